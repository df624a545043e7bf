"""Placing a messenger account on the roster from what the enterprise's directory says.

A platform's directory (企业微信 / 钉钉 / 飞书 通讯录) knows its member's 工号 and mobile; the
roster knows ours. An account already linked is its worker; otherwise the 工号 (normalised as
the roster stores it), then the mobile (digits only, without the +86 country code) find the
one roster worker it names, and the account is linked to them for next time. Two workers
sharing a mobile place nobody: a guess would sign a worker in as a colleague.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.identities import link_identity, worker_by_identity
from contest.models import Worker
from contest.roster import normalize_employee_no

CHINA_CODE = "86"


@dataclass(frozen=True)
class DirectoryEntry:
    """One member as the platform's directory gives them: their id there, the 工号 fields
    that may hold their number (most likely first), and their mobile if the app may read it."""

    platform: str
    external_id: str
    employee_nos: tuple[str, ...] = ()
    mobile: str | None = None


def normalize_mobile(text: str | None) -> str:
    """Digits only; a mainland number loses its +86 / 0086 prefix (the roster stores 11
    digits): ``+86 138-0013-8000`` → ``13800138000``."""
    digits = "".join(ch for ch in (text or "") if ch.isdigit())
    for prefix in ("00" + CHINA_CODE, CHINA_CODE):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix) :]
    return digits


async def place_member(session: AsyncSession, *, entry: DirectoryEntry) -> Worker | None:
    """The roster worker this member is, linking the account on first placement (flushes,
    no commit); None when the directory names nobody on the roster, or someone already
    linked to another account on this platform."""
    linked = await worker_by_identity(
        session, platform=entry.platform, external_id=entry.external_id
    )
    if linked is not None:
        return linked
    worker = await _by_employee_no(session, entry.employee_nos)
    if worker is None:
        worker = await _by_mobile(session, normalize_mobile(entry.mobile))
    if worker is None:
        return None
    worker_id = worker.id
    assert worker_id is not None  # a row read from the table
    if await link_identity(
        session, platform=entry.platform, external_id=entry.external_id, worker_id=worker_id
    ):
        return worker
    # Someone linked first: this account (a simultaneous first visit) or another one.
    return await worker_by_identity(session, platform=entry.platform, external_id=entry.external_id)


async def _by_employee_no(session: AsyncSession, candidates: tuple[str, ...]) -> Worker | None:
    for raw in candidates:
        number = normalize_employee_no(raw)
        if not number:
            continue
        worker = (
            await session.execute(select(Worker).where(col(Worker.employee_no) == number))
        ).scalar_one_or_none()
        if worker is not None:
            return worker
    return None


async def _by_mobile(session: AsyncSession, mobile: str) -> Worker | None:
    if len(mobile) < 5:
        return None
    found = (
        (await session.execute(select(Worker).where(col(Worker.mobile) == mobile).limit(2)))
        .scalars()
        .all()
    )
    return found[0] if len(found) == 1 else None
