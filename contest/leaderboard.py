"""Leaderboard views (排行榜) as plain data: the bot and the scheduler render them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contest.errors import ContestError
from contest.models import Competition, CompetitionStatus, Worker
from contest.papers import score_style
from contest.ranking import (
    IndividualRow,
    RankInfo,
    TeamRow,
    individual_rank,
    team_board,
    top_individuals,
    within_team_board,
)
from contest.rules import rules_of
from contest.scoring import SCORE_DIGITS, ScoreStyle
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
    team_total: int = 0
    team_gap: float | None = None  # my team's points behind the ranked team just above
    style: ScoreStyle = field(default_factory=ScoreStyle)  # precision, percentages
    by_time: bool = True  # equal scores ordered by time (else they share the place)
    idle_teams: list[str] = field(default_factory=list)  # past ``teams``, nobody taking part

    @property
    def gap_to_next(self) -> float | None:
        return self.me.gap_to_next if self.me else None


async def competition_leaderboard(
    session: AsyncSession, *, competition_id: int, worker_id: int | None = None, limit: int = 10
) -> Leaderboard:
    competition = await session.get(Competition, competition_id)
    if competition is None:
        raise ContestError("competition_not_found", competition_id=competition_id)
    rules = rules_of(competition)
    level = rules.team.level
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
        team_total=len(teams),
        team_gap=_gap_above(teams, my_team),
        style=await score_style(session, competition=competition),
        by_time=rules.ties.by_time,
        idle_teams=[row.label or row.name for row in teams[limit:] if not row.participants],
    )


def _gap_above(teams: list[TeamRow], mine: TeamRow | None) -> float | None:
    """Points between my team and the nearest ranked team placed above it (None if first,
    unranked, or not on the board)."""
    if mine is None or mine.rank is None or mine.rank == 1:
        return None
    above = [t.score for t in teams if t.rank is not None and t.rank < mine.rank]
    return round(min(above) - mine.score, SCORE_DIGITS) if above else None


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


async def team_members_board(
    session: AsyncSession, *, competition_id: int, worker_id: int, limit: int = 30
) -> tuple[str, list[IndividualRow]] | None:
    """队内排名 for a worker: their team at the competition's ranking level (their 班组, or
    the 部门 above it when 部门 are ranked) with its members ranked among themselves.
    None when the worker has no team or the competition is gone."""
    competition = await session.get(Competition, competition_id)
    worker = await session.get(Worker, worker_id)
    if competition is None or worker is None or worker.team_id is None:
        return None
    tree = await load_tree(session)
    level = rules_of(competition).team.level
    ranked = set(tree.at_level(level))
    team_id = next((t for t in tree.ancestors(worker.team_id) if t in ranked), worker.team_id)
    rows = await within_team_board(
        session, competition_id=competition_id, team_id=team_id, limit=limit
    )
    return tree.short_label(team_id), rows
