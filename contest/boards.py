"""Boards (排行榜) read from the standings: ranks, top individuals, teams, members of a team.

A few indexed rows per call; nothing here scans all answers. Order of individuals: score
desc, time used asc, earlier finish (an unfinished attempt sorts after every finished one);
ties share a rank only when all three are equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import ContestError
from contest.models import Competition, Standing, Team, TeamStanding, Worker
from contest.rules import load_rules
from contest.scoring import SCORE_DIGITS
from contest.tree import load_tree


@dataclass(frozen=True)
class RankInfo:
    """One worker's place: ``gap_to_next`` = points behind the place just above (None if 1st);
    when that place has the same score, ``time_behind_ms`` = how much slower this worker was."""

    rank: int
    score: float
    time_used_ms: int
    total: int
    gap_to_next: float | None
    correct_count: int = 0
    time_behind_ms: int | None = None


@dataclass(frozen=True)
class IndividualRow:
    rank: int
    worker_id: int
    name: str
    team_id: int | None
    team_name: str | None
    score: float
    correct_count: int
    time_used_ms: int
    finished_at: datetime | None


@dataclass(frozen=True)
class TeamRow:
    """A team on a board; ``rank`` is None for a team below ``min_participants`` (listed last)."""

    rank: int | None
    team_id: int
    name: str
    kind: str
    path: tuple[str, ...]
    score: float
    participants: int
    registered: int
    ranked: bool

    @property
    def participation_rate(self) -> float:
        return self.participants / self.registered if self.registered else 0.0


# --- reading: individuals ------------------------------------------------------------------


def _individual_order(table: Any = Standing) -> list[ColumnElement[Any]]:
    c: Any = table if table is Standing else table.c
    return [
        c.score.desc(),
        c.time_used_ms.asc(),
        c.finished_at.asc().nulls_last(),
        c.worker_id.asc(),
    ]


def _ties(a: Any, b: Any) -> bool:
    return (a.score, a.time_used_ms, a.finished_at) == (b.score, b.time_used_ms, b.finished_at)


def _same_score_ahead(me: Standing) -> ColumnElement[bool]:
    """Rows with my score that beat me on time, then on finish (unfinished = latest)."""
    earlier: ColumnElement[bool]
    if me.finished_at is None:
        earlier = col(Standing.finished_at).is_not(None)
    else:
        earlier = col(Standing.finished_at) < me.finished_at
    return and_(
        col(Standing.score) == me.score,
        or_(
            col(Standing.time_used_ms) < me.time_used_ms,
            and_(col(Standing.time_used_ms) == me.time_used_ms, earlier),
        ),
    )


async def individual_rank(
    session: AsyncSession, *, competition_id: int, worker_id: int
) -> RankInfo | None:
    """The worker's rank by an indexed COUNT of better standings; None if they have none."""
    me = await session.get(Standing, (competition_id, worker_id))
    if me is None:
        return None
    in_comp = col(Standing.competition_id) == competition_id
    count = func.count()
    above = select(count).select_from(Standing).where(in_comp, col(Standing.score) > me.score)
    level = select(count).select_from(Standing).where(in_comp, _same_score_ahead(me))
    total = select(count).select_from(Standing).where(in_comp)
    next_up = select(func.min(col(Standing.score))).where(in_comp, col(Standing.score) > me.score)
    level_up = select(func.max(col(Standing.time_used_ms))).where(in_comp, _same_score_ahead(me))
    row = (
        await session.execute(
            select(
                above.scalar_subquery(),
                level.scalar_subquery(),
                total.scalar_subquery(),
                next_up.scalar_subquery(),
                level_up.scalar_subquery(),
            )
        )
    ).one()
    n_above, n_level, n_total, next_score, level_time = row
    better = n_above + n_level
    if better == 0:
        gap = None
    elif n_level:
        gap = 0.0  # someone with the same score is ahead on time
    else:
        gap = round(next_score - me.score, SCORE_DIGITS)
    return RankInfo(
        rank=better + 1,
        score=me.score,
        time_used_ms=me.time_used_ms,
        total=n_total,
        gap_to_next=gap,
        correct_count=me.correct_count,
        time_behind_ms=me.time_used_ms - level_time if n_level else None,
    )


def _individual_rows(rows: Sequence[Any]) -> list[IndividualRow]:
    out: list[IndividualRow] = []
    for i, r in enumerate(rows):
        rank = out[-1].rank if out and _ties(r, rows[i - 1]) else i + 1
        out.append(
            IndividualRow(
                rank=rank,
                worker_id=r.worker_id,
                name=r.name,
                team_id=r.team_id,
                team_name=r.team_name,
                score=r.score,
                correct_count=r.correct_count,
                time_used_ms=r.time_used_ms,
                finished_at=r.finished_at,
            )
        )
    return out


def _individual_query(
    competition_id: int, *filters: ColumnElement[bool], limit: int | None = None
) -> Any:
    """Ranked standings; the limit applies before the joins so only those rows are joined."""
    inner = (
        select(Standing)
        .where(col(Standing.competition_id) == competition_id, *filters)
        .order_by(*_individual_order())
        .limit(limit)
        .subquery()
    )
    return (
        select(
            inner.c.worker_id,
            col(Worker.real_name).label("name"),
            inner.c.team_id,
            col(Team.name).label("team_name"),
            inner.c.score,
            inner.c.correct_count,
            inner.c.time_used_ms,
            inner.c.finished_at,
        )
        .join(Worker, col(Worker.id) == inner.c.worker_id)
        .outerjoin(Team, col(Team.id) == inner.c.team_id)
        .order_by(*_individual_order(inner))
    )


async def top_individuals(
    session: AsyncSession, *, competition_id: int, limit: int | None = 20
) -> list[IndividualRow]:
    """The first ``limit`` individuals (all when None), ranked."""
    filters: list[ColumnElement[bool]] = []
    if limit is not None:
        # Find the score of the limit-th place on the index first, so the full ordering (mixed
        # directions, which no index serves on both backends) only sorts the rows at or above it.
        threshold = await session.scalar(
            select(col(Standing.score))
            .where(col(Standing.competition_id) == competition_id)
            .order_by(col(Standing.score).desc())
            .offset(max(limit - 1, 0))
            .limit(1)
        )
        if threshold is not None:
            filters.append(col(Standing.score) >= threshold)
    query = _individual_query(competition_id, *filters, limit=limit)
    return _individual_rows((await session.execute(query)).all())


async def within_team_board(
    session: AsyncSession, *, competition_id: int, team_id: int, limit: int | None = None
) -> list[IndividualRow]:
    """Individuals of one team and its sub-teams, ranked among themselves (队内排名)."""
    tree = await load_tree(session)
    if team_id not in tree.parent:
        raise ContestError("team_not_found", team_id=team_id)
    members = col(Standing.team_id).in_(tree.descendants(team_id))
    query = _individual_query(competition_id, members, limit=limit)
    return _individual_rows((await session.execute(query)).all())


# --- reading: teams ------------------------------------------------------------------------


async def team_board(
    session: AsyncSession, *, competition_id: int, level: str | None = None
) -> list[TeamRow]:
    """Teams at ``level`` (default: the competition's ``team.level``) ranked by team score.

    Ranked teams first (score desc; equal scores share a rank), then unranked teams.
    """
    if level is None:
        competition = await session.get(Competition, competition_id)
        if competition is None:
            raise ContestError("competition_not_found", competition_id=competition_id)
        level = load_rules(competition.rules).team.level
    tree = await load_tree(session)
    team_ids = tree.at_level(level)
    rows = (
        await session.execute(
            select(TeamStanding).where(
                col(TeamStanding.competition_id) == competition_id,
                col(TeamStanding.team_id).in_(team_ids),
                col(TeamStanding.participants) > 0,
            )
        )
    ).scalars()
    ordered = sorted(rows, key=lambda s: (not s.ranked, -s.score, tree.name[s.team_id]))
    out: list[TeamRow] = []
    for i, s in enumerate(ordered):
        rank: int | None = None
        if s.ranked:
            prev = out[-1] if out else None
            rank = prev.rank if prev and prev.ranked and prev.score == s.score else i + 1
        out.append(
            TeamRow(
                rank=rank,
                team_id=s.team_id,
                name=tree.name[s.team_id],
                kind=tree.kind[s.team_id],
                path=tuple(tree.path_names(s.team_id)),
                score=s.score,
                participants=s.participants,
                registered=s.registered,
                ranked=s.ranked,
            )
        )
    return out
