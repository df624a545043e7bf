"""Standings (排名): a worker's counted result per answer, team totals about once a second.

:func:`record_standing` runs in the answer's own transaction and touches one row: the
worker's ``Standing``. Team standings are derived from the standings by
:func:`refresh_team_standings` — a few aggregate queries per competition, not a fan-out per
answer — which :class:`scheduler.team_refresh.TeamRefresher` runs about once a second for the
competitions that are open, so boards are right within a second without every answer
locking its team's rows. ``contest.ranking`` reads both.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import ContestError
from contest.models import (
    Attempt,
    AttemptKind,
    Competition,
    Standing,
    TeamStanding,
    Worker,
)
from contest.rules import CompetitionRules, Counting, TeamMode, rules_of
from contest.scoring import SCORE_DIGITS, round_score, team_score
from contest.tree import TeamTree, load_tree
from storage.db import locking
from storage.types import Clock
from storage.upsert import upsert

# --- one worker ----------------------------------------------------------------------------


class Unread(Enum):
    """A value the caller has not read (so :func:`record_standing` reads it)."""

    UNREAD = "unread"


UNREAD = Unread.UNREAD


async def record_standing(
    session: AsyncSession,
    *,
    attempt: Attempt,
    rules: CompetitionRules,
    now: datetime,
    team_id: int | Unread | None = UNREAD,
) -> None:
    """Bring the worker's standing up to date with ``attempt`` (flushes, does not commit).

    Call after every graded answer and when the attempt finishes or expires, in the same
    transaction as the answer. Practice attempts are ignored. ``team_id`` is the worker's
    team as stored, when the caller read it in its own query (the answer path does).
    """
    if attempt.competition_id is None or attempt.kind != AttemptKind.COMPETITION:
        return
    if isinstance(team_id, Unread):
        worker = await session.get(Worker, attempt.worker_id)  # usually already in the session
        if worker is None:
            raise ContestError("not_found", worker_id=attempt.worker_id)
        team_id = worker.team_id
    counted = attempt
    if rules.counting is Counting.BEST and rules.attempts_allowed > 1:
        counted = await _best_attempt(session, attempt=attempt, digits=rules.precision)
    await upsert(
        session,
        Standing,
        keys={"competition_id": attempt.competition_id, "worker_id": attempt.worker_id},
        values={
            "team_id": team_id,
            "attempt_id": counted.id,
            # At the competition's precision: what is shown is what is compared (ties exact).
            "score": round_score(counted.score, rules.precision),
            "correct_count": counted.correct_count,
            "time_used_ms": counted.time_used_ms,
            "finished_at": counted.finished_at,
            "updated_at": now,
        },
    )


async def enter_standing(
    session: AsyncSession, *, attempt: Attempt, team_id: int | None, now: datetime
) -> None:
    """A worker who starts a competition takes part from that moment: a standing of 0 unless
    they have one already (flushes). So /stats, the boards and the export count the same
    participants."""
    await upsert(
        session,
        Standing,
        keys={"competition_id": attempt.competition_id, "worker_id": attempt.worker_id},
        # attempt_id follows with the first answer (record_standing).
        values={"team_id": team_id, "score": 0.0, "updated_at": now},
        update=False,
    )


async def record_playoff(session: AsyncSession, *, attempt: Attempt, now: datetime) -> None:
    """A finished 加赛 attempt: its score and time go on the worker's standing, where they
    order workers whose scores are equal (flushes)."""
    await session.execute(
        update(Standing)
        .where(
            col(Standing.competition_id) == attempt.competition_id,
            col(Standing.worker_id) == attempt.worker_id,
        )
        .values(
            playoff_score=round(attempt.score, SCORE_DIGITS),
            playoff_time_ms=attempt.time_used_ms,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )


async def record_attempt_progress(session: AsyncSession, *, attempt: Attempt, clock: Clock) -> None:
    """:func:`record_standing` with the competition's rules looked up (tools and tests)."""
    if attempt.competition_id is None:
        return
    competition = await session.get(Competition, attempt.competition_id)
    if competition is None:
        raise ContestError("competition_not_found", competition_id=attempt.competition_id)
    await record_standing(session, attempt=attempt, rules=rules_of(competition), now=clock())


async def _best_attempt(session: AsyncSession, *, attempt: Attempt, digits: int) -> Attempt:
    """The attempt that counts under ``counting: best``: highest score, then less time."""
    attempts = list(
        (
            await session.execute(
                select(Attempt).where(
                    col(Attempt.worker_id) == attempt.worker_id,
                    col(Attempt.competition_id) == attempt.competition_id,
                    col(Attempt.kind) == AttemptKind.COMPETITION,
                )
            )
        ).scalars()
    )
    if attempt not in attempts:
        attempts.append(attempt)
    return min(attempts, key=lambda a: attempt_order(a, digits))


def attempt_order(a: Attempt, digits: int = SCORE_DIGITS) -> tuple[Any, ...]:
    finished = a.finished_at.timestamp() if a.finished_at else float("inf")
    return (-round_score(a.score, digits), a.time_used_ms, finished, a.number)


# --- teams ---------------------------------------------------------------------------------


async def refresh_team_standings(
    session: AsyncSession, *, competition_id: int, clock: Clock
) -> int:
    """Recompute every team standing of a competition from its standings; rows changed.

    Per team (and every team above it): participants and their score total, the headcount
    of registered members, and the team score under the competition's mode. Only rows that
    changed are written. Two refreshes of one competition never interleave (the competition
    row is locked on PostgreSQL; SQLite has one writer). Flushes, does not commit.
    """
    competition = (
        await session.execute(
            locking(select(Competition).where(col(Competition.id) == competition_id))
        )
    ).scalar_one_or_none()
    if competition is None:
        raise ContestError("competition_not_found", competition_id=competition_id)
    rules = rules_of(competition)
    tree = await load_tree(session)
    totals = await _team_totals(session, competition_id=competition_id, rules=rules, tree=tree)
    existing = {
        row.team_id: row
        for row in (
            await session.execute(
                select(TeamStanding).where(col(TeamStanding.competition_id) == competition_id)
            )
        ).scalars()
    }
    now = clock()
    changed = 0
    for team_id, values in totals.items():
        row = existing.get(team_id)
        if row is not None and all(getattr(row, k) == v for k, v in values.items()):
            continue
        changed += 1
        await upsert(
            session,
            TeamStanding,
            keys={"competition_id": competition_id, "team_id": team_id},
            values={**values, "updated_at": now},
        )
    return changed


async def _team_totals(
    session: AsyncSession, *, competition_id: int, rules: CompetitionRules, tree: TeamTree
) -> dict[int, dict[str, Any]]:
    """Every team's standing values, from two GROUP BY queries rolled up the tree."""
    direct = (
        await session.execute(
            select(col(Standing.team_id), func.count(), func.coalesce(func.sum(Standing.score), 0))
            .where(
                col(Standing.competition_id) == competition_id, col(Standing.team_id).is_not(None)
            )
            .group_by(col(Standing.team_id))
        )
    ).all()
    heads = await _headcounts(session, competition_id=competition_id)
    participants: dict[int, int] = defaultdict(int)
    score_sum: dict[int, float] = defaultdict(float)
    registered: dict[int, int] = defaultdict(int)
    for team_id, count, total in direct:
        for team in tree.ancestors(team_id):
            participants[team] += count
            score_sum[team] += float(total)
    for team_id, count in heads.items():
        if team_id is None or team_id not in tree.parent:
            continue
        for team in tree.ancestors(team_id):
            registered[team] += count
    top = await _top_scores(session, competition_id, rules, tree)
    mode, n, minimum = rules.team.mode, rules.team.top_n, rules.team.min_participants
    out: dict[int, dict[str, Any]] = {}
    for team_id in tree.parent:
        count = participants[team_id]
        total = round(score_sum[team_id], SCORE_DIGITS)
        if mode is TeamMode.TOP_N_AVG:
            score, _ = team_score(mode, top.get(team_id, []), registered[team_id], n, 1)
            ranked = count >= minimum
        else:  # the sum and averages depend only on the total and the counts
            stand_ins = [total] + [0.0] * (count - 1) if count else []
            score, ranked = team_score(mode, stand_ins, registered[team_id], n, minimum)
        out[team_id] = {
            "participants": count,
            "registered": registered[team_id],
            "score_sum": total,
            "score": round_score(score, rules.precision),  # ranked as shown
            "ranked": ranked,
        }
    return out


async def _headcounts(session: AsyncSession, *, competition_id: int) -> dict[int | None, int]:
    """Team denominators (docs/scoring.md): per team, the members who can take part — every
    worker on the roster or registered without one — plus each 待确认 worker who did take
    part (they are counted where they played until an organiser confirms or merges them)."""
    members = await session.execute(
        select(col(Worker.team_id), func.count())
        .where(col(Worker.pending).is_(False))
        .group_by(col(Worker.team_id))
    )
    counts: dict[int | None, int] = defaultdict(int)
    for team_id, count in members.all():
        counts[team_id] += count
    pending = await session.execute(
        select(col(Standing.team_id), func.count())
        .join(Worker, col(Worker.id) == col(Standing.worker_id))
        .where(col(Standing.competition_id) == competition_id, col(Worker.pending).is_(True))
        .group_by(col(Standing.team_id))
    )
    for team_id, count in pending.all():
        counts[team_id] += count
    return counts


async def roster_size(session: AsyncSession, *, competition_id: int) -> int:
    """Everyone who can take part: the sum of every team's denominator and the workers
    without a team (what /stats adds up, and the big screen's "参赛人数 X / N")."""
    return sum((await _headcounts(session, competition_id=competition_id)).values())


async def team_totals(session: AsyncSession, *, competition_id: int) -> dict[int, dict[str, Any]]:
    """Every team's participants, headcount and score as a refresh would store them now
    (read-only: /stats and the export read the same numbers the boards show)."""
    competition = await session.get(Competition, competition_id)
    if competition is None:
        raise ContestError("competition_not_found", competition_id=competition_id)
    tree = await load_tree(session)
    return await _team_totals(
        session, competition_id=competition_id, rules=rules_of(competition), tree=tree
    )


async def _top_scores(
    session: AsyncSession, competition_id: int, rules: CompetitionRules, tree: TeamTree
) -> dict[int, list[float]]:
    """top_n_avg: each team's best N scores (its own members' and every team's below)."""
    n = rules.team.top_n
    if rules.team.mode is not TeamMode.TOP_N_AVG or not n:
        return {}
    place = (
        func.row_number()
        .over(partition_by=col(Standing.team_id), order_by=col(Standing.score).desc())
        .label("place")
    )
    ranked = (
        select(col(Standing.team_id), col(Standing.score), place)
        .where(col(Standing.competition_id) == competition_id, col(Standing.team_id).is_not(None))
        .subquery()
    )
    rows = (
        await session.execute(select(ranked.c.team_id, ranked.c.score).where(ranked.c.place <= n))
    ).all()
    scores: dict[int, list[float]] = defaultdict(list)
    for team_id, score in rows:
        for team in tree.ancestors(team_id):
            scores[team].append(float(score))
    return {team: sorted(values, reverse=True)[:n] for team, values in scores.items()}
