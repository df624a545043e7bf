"""Workers placed by an enterprise messenger's directory (通讯录): the account's 工号 or mobile
read from 钉钉/飞书 matched to the roster, so a worker is registered without typing.

:func:`enrol` is the one call an edge makes for an account it has not seen: the account
already linked is that worker; else a worker with the directory's 工号 (on the roster or
registered in Telegram before), else a roster worker with its mobile, is linked and
registered; else a new worker is registered under the directory's name, 待确认 (pending)
when a roster exists, exactly as an unmatched Telegram registration. Flushes, never commits
(the edge's turn does). Two first contacts from one account at once link once: the
identity's unique key refuses the second, which then reads the first one's worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import ContestError
from contest.identities import WorkerIdentity, worker_by_identity
from contest.models import Worker
from contest.names import visible_text
from contest.roster_lookup import by_employee_no, normalize_employee_no, roster_exists
from contest.workers import EMPLOYEE_NO_MAX, LANGUAGES, NAME_MAX
from storage.ids import id_of
from storage.types import Clock, utcnow
from storage.upsert import insert_for


@dataclass(frozen=True)
class DirectoryEntry:
    """What the messenger's directory says about an account (any field may be missing)."""

    name: str = ""
    employee_no: str = ""
    mobile: str = ""


def mobile_digits(text: str) -> str:
    """A mobile number as the roster keeps it: digits only, without China's +86 prefix."""
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


async def enrol(
    session: AsyncSession,
    *,
    platform: str,
    external_id: str,
    entry: DirectoryEntry,
    language: str,
    clock: Clock,
) -> Worker:
    """The worker behind this account, linked and registered (see the module docstring)."""
    known = await worker_by_identity(session, platform=platform, external_id=external_id)
    if known is not None:
        return known
    for _ in range(3):
        try:
            async with session.begin_nested():
                worker = await _place(session, platform=platform, entry=entry)
                if worker is None:
                    worker = Worker(real_name=_name(entry), language=_lang(language))
                    worker.employee_no = await _free_number(session, entry)
                    worker.pending = await roster_exists(session)
                    session.add(worker)
                    await session.flush()
                _register(worker, language, clock)
                await session.flush()
                session.add(
                    WorkerIdentity(
                        platform=platform, external_id=external_id, worker_id=id_of(worker)
                    )
                )
                await session.flush()
            return worker
        except IntegrityError:  # the same account enrolled a moment ago: that link stands
            known = await worker_by_identity(session, platform=platform, external_id=external_id)
            if known is not None:
                return known
    raise ContestError("busy")


async def _place(session: AsyncSession, *, platform: str, entry: DirectoryEntry) -> Worker | None:
    """The existing worker the directory entry is, when none of this platform claimed it."""
    number = normalize_employee_no(entry.employee_no)
    if number and len(number) <= EMPLOYEE_NO_MAX:
        found = await by_employee_no(session, typed=number)  # q10003 is the roster's Q10003
        if found is not None and not await _claimed(session, platform, found):
            return found
    mobile = mobile_digits(entry.mobile)
    if mobile:
        rows = await session.execute(
            select(Worker)
            .where(col(Worker.mobile) == mobile, col(Worker.on_roster).is_(True))
            .order_by(col(Worker.id))
            .limit(2)
        )
        matches = list(rows.scalars())
        if len(matches) == 1 and not await _claimed(session, platform, matches[0]):
            return matches[0]
    return None


async def _claimed(session: AsyncSession, platform: str, worker: Worker) -> bool:
    """Another account of this platform is linked to the worker already."""
    return (
        await session.scalar(
            select(col(WorkerIdentity.id)).where(
                col(WorkerIdentity.platform) == platform,
                col(WorkerIdentity.worker_id) == worker.id,
            )
        )
    ) is not None


async def _free_number(session: AsyncSession, entry: DirectoryEntry) -> str | None:
    """The directory's 工号 for a new worker, unless another worker holds it."""
    number = normalize_employee_no(entry.employee_no)
    if not number or len(number) > EMPLOYEE_NO_MAX:
        return None
    taken = await session.scalar(select(col(Worker.id)).where(col(Worker.employee_no) == number))
    return None if taken is not None else number


def _name(entry: DirectoryEntry) -> str:
    name = visible_text(entry.name)[:NAME_MAX]
    return name or "?"


def _lang(language: str) -> str:
    return language if language in LANGUAGES else "zh"


def _register(worker: Worker, language: str, clock: Clock) -> None:
    if worker.registered_at is None:
        worker.registered_at = clock()
        worker.language = _lang(language)
    worker.active = True


async def place_member(
    session: AsyncSession,
    *,
    platform: str,
    external_id: str,
    entries: Sequence[DirectoryEntry],
) -> Worker | None:
    """The roster worker behind this account without registering anyone new (the browser's
    sign-in: a member nobody on the roster matches is offered the 工号 + 姓名 form instead).

    ``entries`` are what the directory offers, most reliable first (a platform may keep the
    工号 in several fields); the first that places a worker links the account to them.
    Flushes, never commits; two first visits of one account at once link once.
    """
    known = await worker_by_identity(session, platform=platform, external_id=external_id)
    if known is not None:
        return known
    for entry in entries:
        worker = await _place(session, platform=platform, entry=entry)
        if worker is None:
            continue
        # One statement, no savepoint: either unique key (this account, that worker) makes
        # it a no-op, and the link that stands says who this account is.
        linked = await session.execute(
            insert_for(session)(WorkerIdentity)
            .values(
                platform=platform, external_id=external_id, worker_id=worker.id, created_at=utcnow()
            )
            .on_conflict_do_nothing()
        )
        if linked.rowcount == 1:  # type: ignore[attr-defined]
            return worker
        # Linked a moment ago: by this account (a second tab) or by another one.
        return await worker_by_identity(session, platform=platform, external_id=external_id)
    # Nobody placed — or the worker was claimed a moment ago by this very account (a second
    # tab committed its link after our first look): the link, if any, says who this is.
    return await worker_by_identity(session, platform=platform, external_id=external_id)
