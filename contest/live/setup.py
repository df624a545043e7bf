"""Defining a live final: its teams and players from the roster, its segments from a preset
(every rule editable), and its questions chosen or drawn from the bank per segment.

Organiser actions, so each goes through :func:`contest.admin.audit.perform` (permission on
the competition the final belongs to, an audit row in the same transaction).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.admin.audit import perform
from contest.admin.policy import Actor, Need
from contest.errors import ContestError
from contest.live.models import (
    LiveFinal,
    LivePlayer,
    LiveQuestion,
    LiveSegment,
    LiveTeam,
    SegmentKind,
)
from contest.live.presets import checked_rules, preset
from contest.models import Competition, Team, Worker
from quizbank.models import Question, QuestionType
from storage.types import Clock, utcnow

MIN_TEAMS, MAX_TEAMS, MAX_PLAYERS = 2, 12, 5
# The hall answers 观众题 on a phone: options or true/false, not a typed blank.
AUDIENCE_TYPES = (QuestionType.SINGLE, QuestionType.TRUE_FALSE, QuestionType.MULTIPLE)


@dataclass(frozen=True)
class TeamPlan:
    """A team on stage: its name, its players (workers), the roster team it stands for."""

    name: str
    worker_ids: tuple[int, ...]
    team_id: int | None = None


@dataclass(frozen=True)
class SegmentPlan:
    """A segment: its kind, rules over the preset's, and its questions — chosen by id, or
    drawn from the bank (a set, a category) when none are chosen."""

    kind: SegmentKind
    rules: dict[str, Any] = field(default_factory=dict)
    question_ids: tuple[int, ...] = ()
    set_id: int | None = None
    category: str | None = None
    title: str = ""


async def roster_teams(
    session: AsyncSession, *, team_ids: Sequence[int], players: int = 3
) -> list[TeamPlan]:
    """Teams from the roster: each team's first ``players`` workers (by roster order)."""
    plans = []
    for team_id in team_ids:
        team = await session.get(Team, team_id)
        if team is None:
            raise ContestError("live_no_team", team=team_id)
        rows = await session.execute(
            select(col(Worker.id))
            .where(col(Worker.team_id) == team_id, col(Worker.active).is_(True))
            .order_by(col(Worker.id))
            .limit(players)
        )
        worker_ids = tuple(w for w in rows.scalars() if w is not None)
        if not worker_ids:
            raise ContestError("live_team_empty", team=team.name)
        plans.append(TeamPlan(team.name, worker_ids, team_id))
    return plans


async def create_final(
    session: AsyncSession,
    *,
    actor: Actor,
    competition_id: int,
    name: str,
    teams: Sequence[TeamPlan],
    preset_name: str = "standard",
    segments: Sequence[SegmentPlan] | None = None,
    buzzer: str = "team",
    seed: int | None = None,
    clock: Clock = utcnow,
) -> LiveFinal:
    """A new final in setup: seats drawn by lot, segments with checked rules, questions."""

    async def work() -> LiveFinal:
        return await _create(
            session,
            actor,
            competition_id,
            name.strip()[:200],
            teams,
            preset_name,
            segments,
            buzzer,
            random.SystemRandom().randrange(1 << 30) if seed is None else seed,
            clock,
        )

    return await perform(
        session,
        actor,
        "live.create",
        work,
        competition_id=competition_id,
        need=Need.COMPETITION,
        detail={"name": name[:100]},
        describe=lambda final: ("ok", {"final_id": final.id}),
        clock=clock,
    )


async def _create(
    session: AsyncSession,
    actor: Actor,
    competition_id: int,
    name: str,
    teams: Sequence[TeamPlan],
    preset_name: str,
    segments: Sequence[SegmentPlan] | None,
    buzzer: str,
    seed: int,
    clock: Clock,
) -> LiveFinal:
    rules = preset(preset_name)
    if await session.get(Competition, competition_id) is None:
        raise ContestError("competition_not_found", competition_id=competition_id)
    if not name:
        raise ContestError("live_no_name")
    if buzzer not in ("team", "player"):
        raise ContestError("live_bad_rule", rule="buzzer", value=buzzer[:20])
    await _check_teams(session, teams)
    final = LiveFinal(
        competition_id=competition_id,
        name=name,
        buzzer=buzzer,
        seed=seed,
        created_by=actor.user_id,
        created_at=clock(),
    )
    session.add(final)
    await session.flush()
    final_id = _id(final)
    seats = list(range(1, len(teams) + 1))
    random.Random(seed).shuffle(seats)
    for team_plan, seat in zip(teams, seats, strict=True):
        team = LiveTeam(
            final_id=final_id,
            team_id=team_plan.team_id,
            name=team_plan.name.strip()[:100],
            seat=seat,
            start_score=rules.start_score,
            score=rules.start_score,
        )
        session.add(team)
        await session.flush()
        session.add_all(
            LivePlayer(final_id=final_id, team_id=_id(team), worker_id=w)
            for w in team_plan.worker_ids
        )
    plans = segments or [SegmentPlan(kind, dict(r)) for kind, r in rules.segments]
    used: set[int] = set()
    for position, plan in enumerate(plans, start=1):
        base = dict(next((r for k, r in rules.segments if k == plan.kind), {}))
        seg_rules = checked_rules(plan.kind, {**base, **plan.rules})
        segment = LiveSegment(
            final_id=final_id,
            position=position,
            kind=plan.kind,
            title=plan.title[:100],
            rules=seg_rules,
        )
        session.add(segment)
        await session.flush()
        ids = await _questions(session, plan, seg_rules["questions"], used, seed + position)
        used.update(ids)
        session.add_all(
            LiveQuestion(final_id=final_id, segment_id=_id(segment), position=i, question_id=q)
            for i, q in enumerate(ids, start=1)
        )
    await session.flush()
    return final


async def _check_teams(session: AsyncSession, teams: Sequence[TeamPlan]) -> None:
    if not MIN_TEAMS <= len(teams) <= MAX_TEAMS:
        raise ContestError("live_team_count", low=MIN_TEAMS, high=MAX_TEAMS)
    seen: set[int] = set()
    names: set[str] = set()
    for plan in teams:
        if not plan.name.strip() or plan.name.strip() in names:
            raise ContestError("live_team_name", name=plan.name[:40])
        names.add(plan.name.strip())
        if not 1 <= len(plan.worker_ids) <= MAX_PLAYERS:
            raise ContestError("live_team_players", team=plan.name[:40], high=MAX_PLAYERS)
        if seen & set(plan.worker_ids) or len(set(plan.worker_ids)) != len(plan.worker_ids):
            raise ContestError("live_player_twice", team=plan.name[:40])
        seen.update(plan.worker_ids)
    found = await session.execute(select(col(Worker.id)).where(col(Worker.id).in_(seen)))
    missing = seen - set(found.scalars())
    if missing:
        raise ContestError("live_no_worker", worker=min(missing))


async def _questions(
    session: AsyncSession, plan: SegmentPlan, count: int, used: set[int], seed: int
) -> list[int]:
    """The segment's questions: the chosen ones (checked), else ``count`` drawn by seed."""
    query = select(col(Question.id)).where(col(Question.active).is_(True))
    if plan.kind is SegmentKind.AUDIENCE:
        query = query.where(col(Question.type).in_([t.value for t in AUDIENCE_TYPES]))
    if plan.question_ids:
        rows = await session.execute(query.where(col(Question.id).in_(plan.question_ids)))
        found = set(rows.scalars())
        missing = [q for q in plan.question_ids if q not in found]
        if missing:
            raise ContestError("live_no_bank_question", question=missing[0])
        return list(plan.question_ids)
    if plan.set_id is not None:
        query = query.where(col(Question.set_id) == plan.set_id)
    if plan.category:
        query = query.where(col(Question.category) == plan.category)
    rows = await session.execute(query.order_by(col(Question.id)))
    pool = [q for q in rows.scalars() if q is not None and q not in used]
    if len(pool) < count:
        raise ContestError(
            "live_not_enough_questions", segment=plan.kind.value, wanted=count, available=len(pool)
        )
    return random.Random(seed).sample(pool, count)


async def set_rules(
    session: AsyncSession,
    *,
    actor: Actor,
    final_id: int,
    position: int,
    changes: dict[str, Any],
    clock: Clock = utcnow,
) -> LiveSegment:
    """Change a segment's rules (the next ruling uses them); each value checked."""
    final = await session.get(LiveFinal, final_id)
    if final is None:
        raise ContestError("live_no_final", final=final_id)

    async def work() -> LiveSegment:
        row = await session.execute(
            select(LiveSegment).where(
                col(LiveSegment.final_id) == final_id, col(LiveSegment.position) == position
            )
        )
        segment = row.scalar_one_or_none()
        if segment is None:
            raise ContestError("live_no_segment", segment=position)
        rules = {**segment.rules, **changes}
        segment.rules = checked_rules(SegmentKind(segment.kind), rules)
        final.version += 1
        return segment

    return await perform(
        session,
        actor,
        "live.rules",
        work,
        competition_id=final.competition_id,
        need=Need.COMPETITION,
        detail={"final_id": final_id, "segment": position, **changes},
        clock=clock,
    )


def _id(row: LiveFinal | LiveTeam | LiveSegment) -> int:
    if row.id is None:
        raise AssertionError("row not flushed")
    return row.id
