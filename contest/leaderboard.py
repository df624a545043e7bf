"""Leaderboard views (排行榜) as plain data: the bot and the scheduler render them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contest.boards import (
    IndividualRow,
    RankInfo,
    TeamRow,
    individual_rank,
    team_board,
    top_individuals,
)
from contest.errors import ContestError
from contest.models import Competition, CompetitionStatus, Worker
from contest.rules import load_rules
from contest.tree import load_tree


@dataclass(frozen=True)
class Leaderboard:
    """Top individuals and teams of one competition, and (when asked) one worker's place.

    ``my_team`` is the worker's team at the competition's ranking level (e.g. their 班组).
    """

    competition_id: int
    name: str
    status: CompetitionStatus
    timezone: str
    ends_at: datetime
    participants: int
    top: list[IndividualRow]
    me: RankInfo | None
    teams: list[TeamRow]
    my_team: TeamRow | None
    team_level: str

    @property
    def gap_to_next(self) -> float | None:
        return self.me.gap_to_next if self.me else None


async def competition_leaderboard(
    session: AsyncSession, *, competition_id: int, worker_id: int | None = None, limit: int = 10
) -> Leaderboard:
    competition = await session.get(Competition, competition_id)
    if competition is None:
        raise ContestError("competition_not_found", competition_id=competition_id)
    level = load_rules(competition.rules).team.level
    top = await top_individuals(session, competition_id=competition_id, limit=limit)
    me = None
    if worker_id is not None:
        me = await individual_rank(session, competition_id=competition_id, worker_id=worker_id)
    teams = await team_board(session, competition_id=competition_id, level=level)
    my_team = await _my_team(session, worker_id=worker_id, teams=teams)
    if me is not None:
        participants = me.total
    else:
        participants = sum(t.participants for t in teams) if teams else len(top)
    return Leaderboard(
        competition_id=competition_id,
        name=competition.name,
        status=CompetitionStatus(competition.status),
        timezone=competition.timezone,
        ends_at=competition.ends_at,
        participants=participants,
        top=top,
        me=me,
        teams=teams[:limit],
        my_team=my_team,
        team_level=level,
    )


async def _my_team(
    session: AsyncSession, *, worker_id: int | None, teams: list[TeamRow]
) -> TeamRow | None:
    if worker_id is None:
        return None
    worker = await session.get(Worker, worker_id)
    if worker is None or worker.team_id is None:
        return None
    tree = await load_tree(session)
    mine = set(tree.ancestors(worker.team_id))
    return next((row for row in teams if row.team_id in mine), None)
