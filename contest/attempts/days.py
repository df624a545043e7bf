"""Local days: when a worker's day starts in a competition's time zone, and how many
attempts they started on it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.models import Attempt, Competition


def day_start(now: datetime, tz: str) -> datetime:
    """Local midnight of ``now``'s day in ``tz``, as an aware UTC time."""
    local = now.astimezone(ZoneInfo(tz))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


async def attempts_today(
    session: AsyncSession, *, worker_id: int, competition: Competition, now: datetime
) -> int:
    """The worker's attempts at ``competition`` started on today's local date (its time zone)."""
    count = await session.scalar(
        select(func.count())
        .select_from(Attempt)
        .where(
            col(Attempt.worker_id) == worker_id,
            col(Attempt.competition_id) == competition.id,
            col(Attempt.started_at) >= day_start(now, competition.timezone),
        )
    )
    return int(count or 0)
