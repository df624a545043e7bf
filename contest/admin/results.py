"""Organiser action: the results workbook of a competition (个人排名, 团队排名, 答题明细 …)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from contest.admin.audit import perform
from contest.admin.policy import Actor
from contest.competitions import require_competition
from contest.export import export_results
from contest.models import Competition
from storage.types import Clock


async def export(
    session: AsyncSession, *, actor: Actor, competition_id: int, path: Path, clock: Clock
) -> Competition:
    """Write the workbook to ``path``; the competition it is of."""

    async def work() -> Competition:
        competition = await require_competition(session, competition_id=competition_id)
        await export_results(session, competition_id=competition_id, path=path, clock=clock)
        return competition

    return await perform(
        session, actor, "results.export", work, competition_id=competition_id, clock=clock
    )
