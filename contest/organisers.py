"""Organisers (组织者): who was granted what by whom, and reading the audit log.

The data functions of ``contest.admin`` (which decides who may call them, audits and
commits): grants and revocations, and the audit rows it wrote, newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import ContestError
from contest.models import AuditEntry, Competition, Organiser, Worker
from storage.types import Clock, utcnow


@dataclass(frozen=True)
class GrantResult:
    """``created`` is False when the same grant already existed (granting is idempotent)."""

    organiser: Organiser
    created: bool


async def find_worker_by_username(session: AsyncSession, *, username: str) -> Worker | None:
    """A registered worker by Telegram @username (case-insensitive, "@" optional)."""
    name = username.removeprefix("@").strip().lower()
    if not name:
        return None
    query = select(Worker).where(
        func.lower(col(Worker.username)) == name, col(Worker.telegram_id).is_not(None)
    )
    return (await session.execute(query.limit(1))).scalar_one_or_none()


async def _check_competition(session: AsyncSession, competition_id: int | None) -> None:
    if competition_id is not None and await session.get(Competition, competition_id) is None:
        raise ContestError("competition_not_found", competition_id=competition_id)


def _scope(telegram_id: int, competition_id: int | None) -> Any:
    query = select(Organiser).where(col(Organiser.telegram_id) == telegram_id)
    if competition_id is None:
        return query.where(col(Organiser.competition_id).is_(None))
    return query.where(col(Organiser.competition_id) == competition_id)


async def grant_organiser(
    session: AsyncSession,
    *,
    telegram_id: int,
    granted_by: int,
    competition_id: int | None = None,
    clock: Clock = utcnow,
) -> GrantResult:
    """Make ``telegram_id`` an organiser (of all competitions, or of one)."""
    await _check_competition(session, competition_id)
    existing = (await session.execute(_scope(telegram_id, competition_id))).scalar_one_or_none()
    if existing is not None:
        return GrantResult(existing, created=False)
    organiser = Organiser(
        telegram_id=telegram_id,
        competition_id=competition_id,
        granted_by=granted_by,
        granted_at=clock(),
    )
    session.add(organiser)
    await session.flush()
    return GrantResult(organiser, created=True)


async def revoke_organiser(
    session: AsyncSession,
    *,
    telegram_id: int,
    competition_id: int | None = None,
) -> int:
    """Remove the grant(s); without ``competition_id`` every grant of that user goes."""
    query = select(Organiser).where(col(Organiser.telegram_id) == telegram_id)
    if competition_id is not None:
        query = query.where(col(Organiser.competition_id) == competition_id)
    rows = list((await session.execute(query)).scalars())
    for row in rows:
        await session.delete(row)
    await session.flush()
    return len(rows)


async def list_organisers(session: AsyncSession) -> Sequence[Organiser]:
    query = select(Organiser).order_by(
        col(Organiser.telegram_id), col(Organiser.competition_id).asc().nulls_first()
    )
    return list((await session.execute(query)).scalars())


async def latest_audit(
    session: AsyncSession, *, limit: int = 20, offset: int = 0
) -> Sequence[AuditEntry]:
    query = select(AuditEntry).order_by(
        col(AuditEntry.created_at).desc(), col(AuditEntry.id).desc()
    )
    return list((await session.execute(query.offset(offset).limit(limit))).scalars())


async def audit_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


async def has_grant(
    session: AsyncSession,
    *,
    telegram_id: int,
    competition_id: int | None = None,
    global_only: bool = False,
) -> bool:
    """A grant for all competitions, or (with ``competition_id``) one for that competition.

    With neither, a grant for any competition counts; ``global_only`` asks for a grant for
    all competitions (what bank and roster uploads need: they change every competition)."""
    query = select(col(Organiser.id)).where(col(Organiser.telegram_id) == telegram_id)
    if global_only:
        query = query.where(col(Organiser.competition_id).is_(None))
    elif competition_id is not None:
        query = query.where(
            col(Organiser.competition_id).is_(None)
            | (col(Organiser.competition_id) == competition_id)
        )
    return (await session.execute(query.limit(1))).first() is not None


async def granted_competitions(session: AsyncSession, *, telegram_id: int) -> set[int] | None:
    """The competitions ``telegram_id`` organises: None for all of them (a global grant)."""
    query = select(col(Organiser.competition_id)).where(col(Organiser.telegram_id) == telegram_id)
    scopes = set((await session.execute(query)).scalars())
    return None if None in scopes else {int(c) for c in scopes if c is not None}
