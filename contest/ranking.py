"""Boards (排行榜) read from the standings: ranks, top individuals, teams, members of a team.

A few indexed rows per call; nothing here scans all answers. The one order of individuals,
shared by every board, picture, message and export (docs/scoring.md, "Ties"): score desc,
then a play-off's score desc and time asc (加赛, when one was held), then total time used
asc and earlier finish (an unfinished attempt sorts after every finished one) — unless the
competition says ``ties.by_time: false``. Entries equal on every key that counts share a
place (并列, competition ranking 1, 2, 2, 4). Teams: score desc; equal scores share a place.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import ContestError
from contest.models import Competition, Standing, Team, TeamStanding, Worker
from contest.names import path_key
from contest.rules import CompetitionRules, rules_of
from contest.scoring import SCORE_DIGITS
from contest.tree import load_tree


@dataclass(frozen=True)
class RankInfo:
    """One worker's place: ``gap_to_next`` = points behind the place just above (None if 1st);
    when that place has the same score, ``time_behind_ms`` = how much slower this worker was;
    ``tied`` when someone else shares the place (并列)."""

    rank: int
    score: float
    time_used_ms: int
    total: int
    gap_to_next: float | None
    correct_count: int = 0
    time_behind_ms: int | None = None
    tied: bool = False


@dataclass(frozen=True)
class IndividualRow:
    """An individual on a board; ``team_label`` is the team's shortest unique path."""

    rank: int
    worker_id: int
    name: str
    team_id: int | None
    team_name: str | None
    score: float
    correct_count: int
    time_used_ms: int
    finished_at: datetime | None
    tied: bool = False
    team_label: str | None = None
    employee_no: str | None = None


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
    tied: bool = False
    label: str = ""  # the shortest unique path (一车间·甲班)

    @property
    def participation_rate(self) -> float:
        return self.participants / self.registered if self.registered else 0.0


# --- reading: individuals ------------------------------------------------------------------

_DESC, _ASC = "desc", "asc"


def _rank_keys(table: Any, by_time: bool) -> list[tuple[Any, str]]:
    """The columns that decide a place, best first, each with its direction."""
    c: Any = table if table is Standing else table.c
    keys = [(c.score, _DESC), (c.playoff_score, _DESC), (c.playoff_time_ms, _ASC)]
    if by_time:
        keys += [(c.time_used_ms, _ASC), (c.finished_at, _ASC)]
    return keys


def _individual_order(table: Any = Standing) -> list[Any]:
    """ORDER BY for a board: every key (nulls last), then the id for a stable list. Without
    ``by_time`` equal places still list in time order, they only share the place."""
    c: Any = table if table is Standing else table.c
    order = [
        column.desc().nulls_last() if way == _DESC else column.asc().nulls_last()
        for column, way in _rank_keys(table, True)
    ]
    return [*order, c.worker_id.asc()]


def _key_values(row: Any, by_time: bool) -> tuple[Any, ...]:
    values = (row.score, row.playoff_score, row.playoff_time_ms)
    return values + ((row.time_used_ms, row.finished_at) if by_time else ())


def _ties(a: Any, b: Any, by_time: bool = True) -> bool:
    return _key_values(a, by_time) == _key_values(b, by_time)


def _better(column: Any, mine: Any, way: str) -> ColumnElement[bool]:
    """Rows ahead of ``mine`` on one key; a missing value sorts last (and NULL compares
    false in SQL, so a row without a value is never ahead of one with it)."""
    if mine is None:
        return column.is_not(None)  # type: ignore[no-any-return]
    return column > mine if way == _DESC else column < mine  # type: ignore[no-any-return]


def _equal(column: Any, mine: Any) -> ColumnElement[bool]:
    return column.is_(None) if mine is None else column == mine  # type: ignore[no-any-return]


def _same_score_ahead(mine: Sequence[Any], by_time: bool = True) -> ColumnElement[bool]:
    """Rows with my score (``mine[0]``) that come before me on the keys after the score."""
    keys = _rank_keys(Standing, by_time)[1:]
    rest = mine[1:]
    ahead = []
    for i in range(len(keys)):
        before = [_equal(c, m) for (c, _), m in zip(keys[:i], rest[:i], strict=True)]
        ahead.append(and_(*before, _better(keys[i][0], rest[i], keys[i][1])))
    return and_(col(Standing.score) == mine[0], or_(*ahead))


def _same_place(mine: Sequence[Any], by_time: bool) -> ColumnElement[bool]:
    keys = _rank_keys(Standing, by_time)
    return and_(*[_equal(c, m) for (c, _), m in zip(keys, mine, strict=True)])


async def _by_time(session: AsyncSession, competition_id: int) -> bool:
    competition = await session.get(Competition, competition_id)  # usually in the session
    return rules_of(competition).ties.by_time if competition is not None else True


@functools.cache
def _rank_statement(by_time: bool, nulls: tuple[bool, ...]) -> Any:
    """The rank's one query for a shape of keys (which of mine are NULL), built once: the
    values are parameters ``k0``… (a missing value compares by ``IS NULL``, as before)."""
    mine: tuple[Any, ...] = tuple(
        None if null else bindparam(f"k{i}") for i, null in enumerate(nulls)
    )
    in_comp = col(Standing.competition_id) == bindparam("competition_id")
    count = func.count()
    score = col(Standing.score)
    above = select(count).select_from(Standing).where(in_comp, score > mine[0])
    level = select(count).select_from(Standing).where(in_comp, _same_score_ahead(mine, by_time))
    alike = select(count).select_from(Standing).where(in_comp, _same_place(mine, by_time))
    total = select(count).select_from(Standing).where(in_comp)
    next_up = select(func.min(score)).where(in_comp, score > mine[0])
    level_up = select(func.max(col(Standing.time_used_ms))).where(
        in_comp, _same_score_ahead(mine, by_time)
    )
    return select(
        above.scalar_subquery(),
        level.scalar_subquery(),
        total.scalar_subquery(),
        next_up.scalar_subquery(),
        level_up.scalar_subquery(),
        alike.scalar_subquery(),
    )


async def individual_rank(
    session: AsyncSession,
    *,
    competition_id: int,
    worker_id: int,
    rules: CompetitionRules | None = None,
) -> RankInfo | None:
    """The worker's rank by an indexed COUNT of better standings; None if they have none.
    ``rules`` are the competition's when the caller has them (not read again)."""
    me = await session.get(Standing, (competition_id, worker_id))
    if me is None:
        return None
    if rules is not None:
        by_time = rules.ties.by_time
    else:
        by_time = await _by_time(session, competition_id)
    mine = _key_values(me, by_time)
    statement = _rank_statement(by_time, tuple(value is None for value in mine))
    params = {f"k{i}": value for i, value in enumerate(mine) if value is not None}
    row = (await session.execute(statement, {"competition_id": competition_id, **params})).one()
    n_above, n_level, n_total, next_score, level_time, n_alike = row
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
        time_behind_ms=max(me.time_used_ms - level_time, 0) if n_level else None,
        tied=n_alike > 1,
    )


def _individual_rows(
    rows: Sequence[Any], *, by_time: bool, labels: dict[int, str] | None = None
) -> list[IndividualRow]:
    ranks: list[int] = []
    for i, r in enumerate(rows):
        ranks.append(ranks[-1] if ranks and _ties(r, rows[i - 1], by_time) else i + 1)
    labels = labels or {}
    return [
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
            tied=ranks.count(rank) > 1,
            team_label=labels.get(r.team_id) if r.team_id is not None else None,
            employee_no=r.employee_no,
        )
        for rank, r in zip(ranks, rows, strict=True)
    ]


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
            col(Worker.employee_no).label("employee_no"),
            inner.c.team_id,
            col(Team.name).label("team_name"),
            inner.c.score,
            inner.c.correct_count,
            inner.c.time_used_ms,
            inner.c.finished_at,
            inner.c.playoff_score,
            inner.c.playoff_time_ms,
        )
        .join(Worker, col(Worker.id) == inner.c.worker_id)
        .outerjoin(Team, col(Team.id) == inner.c.team_id)
        .order_by(*_individual_order(inner))
    )


async def _labelled(
    session: AsyncSession, competition_id: int, rows: Sequence[Any]
) -> list[IndividualRow]:
    tree = await load_tree(session)
    teams = {r.team_id for r in rows if r.team_id in tree.parent}
    return _individual_rows(
        rows, by_time=await _by_time(session, competition_id), labels=tree.short_labels(teams)
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
    return await _labelled(session, competition_id, (await session.execute(query)).all())


async def within_team_board(
    session: AsyncSession, *, competition_id: int, team_id: int, limit: int | None = None
) -> list[IndividualRow]:
    """Individuals of one team and its sub-teams, ranked among themselves (队内排名)."""
    tree = await load_tree(session)
    if team_id not in tree.parent:
        raise ContestError("team_not_found", team_id=team_id)
    members = col(Standing.team_id).in_(tree.descendants(team_id))
    query = _individual_query(competition_id, members, limit=limit)
    return await _labelled(session, competition_id, (await session.execute(query)).all())


# --- reading: teams ------------------------------------------------------------------------


async def team_board(
    session: AsyncSession, *, competition_id: int, level: str | None = None
) -> list[TeamRow]:
    """Teams at ``level`` (default: the competition's ``team.level``) ranked by team score.

    Ranked teams first (score desc; equal scores share a rank), then unranked teams — those
    with members but nobody taking part yet included — each group in natural name order.
    """
    if level is None:
        competition = await session.get(Competition, competition_id)
        if competition is None:
            raise ContestError("competition_not_found", competition_id=competition_id)
        level = rules_of(competition).team.level
    tree = await load_tree(session)
    team_ids = tree.at_level(level)
    rows = (
        await session.execute(
            select(TeamStanding).where(
                col(TeamStanding.competition_id) == competition_id,
                col(TeamStanding.team_id).in_(team_ids),
                # A team nobody from has taken part in yet is on the board (0/N): it is
                # what an organiser most needs to see.
                (col(TeamStanding.participants) > 0) | (col(TeamStanding.registered) > 0),
            )
        )
    ).scalars()
    labels = tree.short_labels(team_ids)
    ordered = sorted(
        rows, key=lambda s: (not s.ranked, -s.score, path_key(tree.path_names(s.team_id)))
    )
    ranks: list[int | None] = []
    for i, s in enumerate(ordered):
        rank: int | None = None
        if s.ranked:
            same = i and ordered[i - 1].ranked and ordered[i - 1].score == s.score
            rank = ranks[-1] if same else i + 1
        ranks.append(rank)
    out: list[TeamRow] = []
    for rank, s in zip(ranks, ordered, strict=True):
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
                tied=rank is not None and ranks.count(rank) > 1,
                label=labels[s.team_id],
            )
        )
    return out
