"""Standings (排名), kept incrementally as answers arrive.

``record_attempt_progress`` is the only writer: after every graded answer it recomputes one
worker's ``Standing`` (from that worker's attempts) and brings the ``TeamStanding`` of their
team and its ancestors up to date — by the score's change when only a score moved, else from
those teams' members. ``contest.boards`` reads them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
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
from contest.rules import CompetitionRules, Counting, TeamMode, load_rules
from contest.scoring import SCORE_DIGITS, team_score
from contest.tree import TeamTree, load_tree
from storage.types import Clock

_EMPTY_TEAM = {"participants": 0, "registered": 0, "score_sum": 0.0, "score": 0.0, "ranked": False}

# --- writing -------------------------------------------------------------------------------


async def record_attempt_progress(session: AsyncSession, *, attempt: Attempt, clock: Clock) -> None:
    """Bring the worker's standing and their teams' standings up to date with ``attempt``.

    Call after every graded answer and when the attempt finishes or expires, in the same
    transaction as the answer; this flushes but does not commit. Practice attempts are ignored.
    """
    if attempt.competition_id is None or attempt.kind != AttemptKind.COMPETITION:
        return
    competition = await session.get(Competition, attempt.competition_id)
    worker = await session.get(Worker, attempt.worker_id)
    if competition is None or worker is None:
        raise ContestError("not_found", competition_id=attempt.competition_id)
    rules = load_rules(competition.rules)
    counted = await _counted_attempt(session, attempt=attempt, counting=rules.counting)
    old = await session.get(Standing, (competition.id, worker.id))
    old_team = old.team_id if old is not None else None
    now = clock()
    await _upsert(
        session,
        Standing,
        keys={"competition_id": competition.id, "worker_id": worker.id},
        values={
            "team_id": worker.team_id,
            "attempt_id": counted.id,
            "score": round(counted.score, SCORE_DIGITS),
            "correct_count": counted.correct_count,
            "time_used_ms": counted.time_used_ms,
            "finished_at": counted.finished_at,
            "updated_at": now,
        },
    )
    delta = round(counted.score, SCORE_DIGITS) - (old.score if old is not None else 0.0)
    await _update_teams(
        session, competition_id=attempt.competition_id, rules=rules, new_standing=old is None,
        old_team=old_team, new_team=worker.team_id, delta=delta, now=now,
    )  # fmt: skip


async def _update_teams(
    session: AsyncSession,
    *,
    competition_id: int,
    rules: CompetitionRules,
    new_standing: bool,
    old_team: int | None,
    new_team: int | None,
    delta: float,
    now: datetime,
) -> None:
    """Bring the affected teams up to date after one member's standing changed."""
    same_team = not new_standing and old_team == new_team
    if same_team and (new_team is None or delta == 0):
        return  # team scores depend only on members' scores and headcounts: nothing moved
    tree = await load_tree(session)
    if same_team and new_team is not None and rules.team.mode is not TeamMode.TOP_N_AVG:
        shifted = await _shift_team_sums(
            session, competition_id=competition_id, rules=rules,
            team_ids=tree.ancestors(new_team), delta=delta, now=now,
        )  # fmt: skip
        if shifted:
            return
    teams = {t for team in (old_team, new_team) if team for t in tree.ancestors(team)}
    await recompute_team_standings(
        session, competition_id=competition_id, rules=rules, tree=tree, team_ids=teams, now=now
    )


async def _shift_team_sums(
    session: AsyncSession,
    *,
    competition_id: int,
    rules: CompetitionRules,
    team_ids: list[int],
    delta: float,
    now: datetime,
) -> bool:
    """A member of these teams changed score by ``delta`` and headcounts did not change:
    move each team's total by ``delta`` (O(depth), not O(members)). Sum and average modes
    depend only on totals and counts; top-N and team changes take the full recompute.
    False (nothing written) when a team has no row yet, so the caller recomputes."""
    rows = list(
        (
            await session.execute(
                select(TeamStanding)
                .where(
                    col(TeamStanding.competition_id) == competition_id,
                    col(TeamStanding.team_id).in_(team_ids),
                )
                .order_by(col(TeamStanding.team_id))
                .with_for_update()  # same lock order as the full recompute
                .execution_options(populate_existing=True)
            )
        ).scalars()
    )
    if len(rows) != len(team_ids):
        return False
    for row in rows:
        row.score_sum = round(row.score_sum + delta, SCORE_DIGITS)
        stand_ins = [row.score_sum] + [0.0] * (row.participants - 1) if row.participants else []
        row.score, row.ranked = team_score(
            rules.team.mode, stand_ins, row.registered, rules.team.top_n,
            rules.team.min_participants,
        )  # fmt: skip
        row.updated_at = now
    await session.flush()
    return True


async def _counted_attempt(
    session: AsyncSession, *, attempt: Attempt, counting: Counting
) -> Attempt:
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
    if counting is Counting.LAST:
        return max(attempts, key=lambda a: (a.number, a.id or 0))
    return min(attempts, key=_attempt_order)


def _attempt_order(a: Attempt) -> tuple[Any, ...]:
    finished = a.finished_at.timestamp() if a.finished_at else float("inf")
    return (-round(a.score, SCORE_DIGITS), a.time_used_ms, finished, a.number)


async def recompute_team_standings(
    session: AsyncSession,
    *,
    competition_id: int,
    rules: CompetitionRules,
    tree: TeamTree,
    team_ids: set[int],
    now: datetime,
) -> None:
    """Recompute the given teams from their members (each O(members of that team))."""
    ordered = sorted(team_ids)
    for team_id in ordered:
        await _upsert(
            session,
            TeamStanding,
            keys={"competition_id": competition_id, "team_id": team_id},
            values=_EMPTY_TEAM | {"updated_at": now},
            update=False,
        )
    # Locking in id order makes two answers from one team wait for each other instead of
    # each computing from a snapshot without the other's score.
    await session.execute(
        select(col(TeamStanding.team_id))
        .where(
            col(TeamStanding.competition_id) == competition_id,
            col(TeamStanding.team_id).in_(ordered),
        )
        .order_by(col(TeamStanding.team_id))
        .with_for_update()
    )
    # Deepest first: a parent adds up its children's fresh totals instead of re-reading
    # every member's standing (a 部门 of 5,000 reads its 班组 rows, not 5,000 scores).
    for team_id in sorted(ordered, key=lambda t: -len(tree.ancestors(t))):
        members = tree.descendants(team_id)
        direct = list(
            (
                await session.execute(
                    select(col(Standing.score)).where(
                        col(Standing.competition_id) == competition_id,
                        col(Standing.team_id) == team_id,
                    )
                )
            ).scalars()
        )
        children = tree.children.get(team_id, [])
        below = (
            await session.execute(
                select(
                    func.coalesce(func.sum(col(TeamStanding.participants)), 0),
                    func.coalesce(func.sum(col(TeamStanding.score_sum)), 0.0),
                ).where(
                    col(TeamStanding.competition_id) == competition_id,
                    col(TeamStanding.team_id).in_(children),
                )
            )
        ).one()
        participants = len(direct) + int(below[0])
        score_sum = round(sum(direct) + float(below[1]), SCORE_DIGITS)
        registered = await session.scalar(
            select(func.count()).select_from(Worker).where(col(Worker.team_id).in_(members))
        )
        score, ranked = await _team_score(
            session, competition_id, rules, members, participants, score_sum, registered or 0
        )
        await _upsert(
            session,
            TeamStanding,
            keys={"competition_id": competition_id, "team_id": team_id},
            values={
                "participants": participants,
                "registered": registered or 0,
                "score_sum": score_sum,
                "score": score,
                "ranked": ranked,
                "updated_at": now,
            },
        )


async def _team_score(
    session: AsyncSession,
    competition_id: int,
    rules: CompetitionRules,
    members: list[int],
    participants: int,
    score_sum: float,
    registered: int,
) -> tuple[float, bool]:
    """``team_score`` fed with what the mode needs: only top N reads individual scores."""
    mode = rules.team.mode
    if mode is TeamMode.TOP_N_AVG:
        scores = list(
            (
                await session.execute(
                    select(col(Standing.score))
                    .where(
                        col(Standing.competition_id) == competition_id,
                        col(Standing.team_id).in_(members),
                    )
                    .order_by(col(Standing.score).desc())
                    .limit(rules.team.top_n)
                )
            ).scalars()
        )
        score, _ = team_score(mode, scores, registered, rules.team.top_n, 1)
        return score, participants >= rules.team.min_participants
    # The sum and averages depend only on the total and the counts.
    stand_ins = [score_sum] + [0.0] * (participants - 1) if participants else []
    return team_score(mode, stand_ins, registered, rules.team.top_n, rules.team.min_participants)


async def refresh_team_standings(
    session: AsyncSession, *, competition_id: int, clock: Clock
) -> None:
    """Recompute every team of a competition (after many workers joined at once, e.g. a
    roster import changed the headcounts). O(teams × members); flushes, does not commit."""
    competition = await session.get(Competition, competition_id)
    if competition is None:
        raise ContestError("competition_not_found", competition_id=competition_id)
    tree = await load_tree(session)
    await recompute_team_standings(
        session,
        competition_id=competition_id,
        rules=load_rules(competition.rules),
        tree=tree,
        team_ids=set(tree.parent),
        now=clock(),
    )


async def _upsert(
    session: AsyncSession,
    model: Any,
    *,
    keys: dict[str, Any],
    values: dict[str, Any],
    update: bool = True,
) -> None:
    """INSERT … ON CONFLICT on the primary key: safe when two answers race to create a row."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(model).values(**keys, **values)
    if update:
        stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_=values)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    await session.execute(stmt)
