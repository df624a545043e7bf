"""Participation per team (参与率) and who a competition's broadcast reaches.

``participation_by_team`` counts what the team board counts (``contest.standings``): the
same participants (workers who started) over the same denominators (members who can take
part), so /stats, the boards and the export agree; teams are named by their shortest
unique path (一车间·甲班).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import ContestError
from contest.models import Competition, Standing, Worker
from contest.rules import rules_of
from contest.standings import team_totals
from contest.tree import load_tree


@dataclass(frozen=True)
class TeamParticipation:
    team_id: int | None
    name: str
    registered: int
    participants: int

    @property
    def rate(self) -> float:
        return self.participants / self.registered if self.registered else 0.0


async def participation_by_team(
    session: AsyncSession, *, competition_id: int
) -> list[TeamParticipation]:
    """Every team at the competition's ranking level with members or participants, and
    workers without a team (``team_id=None``). Sorted by rate, then name."""
    competition = await session.get(Competition, competition_id)
    if competition is None:
        raise ContestError("competition_not_found", competition_id=competition_id)
    tree = await load_tree(session)
    level = set(tree.at_level(rules_of(competition).team.level))
    totals = await team_totals(session, competition_id=competition_id)
    labels = tree.short_labels(level)
    rows = [
        TeamParticipation(team_id, labels[team_id], values["registered"], values["participants"])
        for team_id, values in totals.items()
        if team_id in level and (values["registered"] or values["participants"])
    ]
    loose = await _without_team(session, competition_id=competition_id)
    if loose.registered or loose.participants:
        rows.append(loose)
    return sorted(rows, key=lambda r: (-r.rate, r.team_id is None, r.name))


async def _without_team(session: AsyncSession, *, competition_id: int) -> TeamParticipation:
    members = await session.scalar(
        select(func.count()).where(col(Worker.team_id).is_(None), col(Worker.pending).is_(False))
    )
    took_part = await session.execute(
        select(col(Worker.pending), func.count())
        .select_from(Standing)
        .join(Worker, col(Worker.id) == col(Standing.worker_id))
        .where(col(Standing.competition_id) == competition_id, col(Standing.team_id).is_(None))
        .group_by(col(Worker.pending))
    )
    counts = dict(took_part.tuples().all())
    participants = sum(counts.values())
    return TeamParticipation(None, "", int(members or 0) + counts.get(True, 0), participants)


async def broadcast_recipients(session: AsyncSession) -> list[int]:
    """Chat ids of every registered worker who has not blocked the bot."""
    query = (
        select(col(Worker.telegram_id))
        .where(col(Worker.telegram_id).is_not(None), col(Worker.active).is_(True))
        .order_by(col(Worker.telegram_id))
    )
    return [
        int(chat_id) for chat_id in (await session.execute(query)).scalars() if chat_id is not None
    ]
