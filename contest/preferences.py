"""A worker's notification settings: competition reminders (/mute) and the practice push."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contest.models import Worker


async def set_muted(session: AsyncSession, *, worker_id: int, muted: bool) -> None:
    """/mute and /unmute: reminders off or on."""
    worker = await session.get(Worker, worker_id)
    if worker is not None:
        worker.muted = muted


async def set_practice_push(session: AsyncSession, *, worker_id: int, enabled: bool) -> None:
    """/practice_push on|off."""
    worker = await session.get(Worker, worker_id)
    if worker is not None:
        worker.practice_push = enabled
