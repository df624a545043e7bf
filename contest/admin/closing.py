"""What closing a competition would interrupt: the workers in the middle of an attempt."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.models import Attempt, AttemptStatus


async def workers_mid_quiz(session: AsyncSession, *, competition_id: int) -> int:
    """How many workers have an active attempt at ``competition_id`` now."""
    count = await session.scalar(
        select(func.count(func.distinct(col(Attempt.worker_id)))).where(
            col(Attempt.competition_id) == competition_id,
            col(Attempt.status) == AttemptStatus.ACTIVE,
        )
    )
    return int(count or 0)
