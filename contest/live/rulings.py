"""Rulings on an answer and their undo: who answers, what it scores, where the question goes.

必答 and 风险 questions are answered by the team in turn; 抢答 and 加赛 by the earliest
valid buzz not yet ruled on. A wrong 抢答 answer passes the question to the next team that
buzzed, until ``max_wrong`` wrong answers send it to the audience (or close it). In 加赛 the
first right answer wins and a wrong answer puts the team out; the last team in wins.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.admin.policy import Actor
from contest.errors import ContestError
from contest.live.common import (
    BUZZ_KINDS,
    Stage,
    change_score,
    host_action,
    ident,
    next_answerer,
    teams_of,
)
from contest.live.models import LiveBuzz, LiveEvent, LiveQuestion, Phase, SegmentKind
from storage.types import Clock, utcnow

RULINGS = ("right", "wrong")
MAX_ADJUST = 1000


async def rule_answer(
    session: AsyncSession, stage: Stage, *, right: bool, actor: Actor, clock: Clock
) -> LiveEvent:
    question = stage.current()
    if question.phase != Phase.ANSWERING:
        raise ContestError("live_nobody_answering")
    buzz = None
    if stage.kind in BUZZ_KINDS:
        buzz = await next_answerer(session, ident(question))
        if buzz is None:
            raise ContestError("live_nobody_answering")
        team_id = buzz.team_id
        buzz.ruling = "right" if right else "wrong"
    elif question.team_id is not None:
        team_id = question.team_id
    else:
        raise ContestError("live_nobody_answering")
    delta = _delta(stage, question, right)
    now = clock()
    event = await change_score(
        session,
        final_id=stage.final_id,
        team_id=team_id,
        delta=delta,
        kind="right" if right else "wrong",
        at=now,
        question_id=ident(question),
        actor_id=actor.user_id,
        data={"buzz_id": None if buzz is None else ident(buzz), "wrong_before": question.wrong},
    )
    if right:
        _done(question, "right", now)
    else:
        question.wrong += 1
        await _after_wrong(session, stage, question, team_id, now)
    if stage.kind is SegmentKind.TIEBREAK:
        _tiebreak(stage, team_id, right, session, now)
    return event


def _delta(stage: Stage, question: LiveQuestion, right: bool) -> int:
    if stage.kind is SegmentKind.RISK:
        value = int(question.value or 0)
        return value if right else -value
    if stage.kind is SegmentKind.TIEBREAK:
        return int(stage.rule("value")) if right else 0
    return int(stage.rule("value")) if right else -int(stage.rule("deduction"))


def _done(question: LiveQuestion, outcome: str, now: object) -> None:
    question.phase = Phase.DONE
    question.outcome = outcome
    question.closed_at = now  # type: ignore[assignment]


async def _after_wrong(
    session: AsyncSession, stage: Stage, question: LiveQuestion, team_id: int, now: object
) -> None:
    if stage.kind not in BUZZ_KINDS:
        _done(question, "wrong", now)
        return
    if stage.kind is SegmentKind.BUZZER and question.wrong >= int(stage.rule("max_wrong", 2)):
        if stage.rule("to_audience", False):
            question.phase = Phase.AUDIENCE
            question.answer_from = now  # type: ignore[assignment]
        else:
            _done(question, "wrong", now)
        return
    await session.flush()
    following = await next_answerer(session, ident(question))
    if following is not None:
        question.phase = Phase.ANSWERING
        question.answer_from = now  # type: ignore[assignment]
    else:
        question.phase = Phase.ARMED  # the others may still buzz (开始 again re-arms)


def _tiebreak(stage: Stage, team_id: int, right: bool, session: AsyncSession, now: object) -> None:
    segment = stage.segment
    assert segment is not None
    state = dict(segment.state)
    inside = [t for t in state.get("in", []) if t not in state.get("out", [])]
    if right:
        state["winner"] = team_id
    else:
        state["out"] = [*state.get("out", []), team_id]
        left = [t for t in inside if t != team_id]
        if len(left) == 1:
            state["winner"] = left[0]
    if state.get("winner") is not None:
        question = stage.current()
        if question.phase != Phase.DONE:
            _done(question, "winner", now)
    segment.state = state


async def undo_ruling(session: AsyncSession, stage: Stage, *, clock: Clock) -> LiveEvent:
    """Take back the last ruling: its score change, and — on the question still on stage —
    the answer is open again for the same team."""
    row = await session.execute(
        select(LiveEvent)
        .where(
            col(LiveEvent.final_id) == stage.final_id,
            col(LiveEvent.kind).in_(RULINGS),
            col(LiveEvent.undone).is_(False),
        )
        .order_by(col(LiveEvent.id).desc())
        .limit(1)
    )
    event = row.scalar_one_or_none()
    if event is None:
        raise ContestError("live_nothing_to_undo")
    event.undone = True
    team_id = event.team_id
    assert team_id is not None
    now = clock()
    await change_score(
        session,
        final_id=stage.final_id,
        team_id=team_id,
        delta=-event.delta,
        kind="undo",
        at=now,
        question_id=event.question_id,
        data={"undoes": ident(event)},
    )
    buzz_id = event.data.get("buzz_id")
    if buzz_id is not None:
        buzz = await session.get(LiveBuzz, buzz_id)
        if buzz is not None:
            buzz.ruling = None
    question = stage.question
    if question is not None and ident(question) == event.question_id:
        question.phase = Phase.ANSWERING
        question.outcome = None
        question.closed_at = None
        question.wrong = int(event.data.get("wrong_before", 0))
        question.answer_from = now
        if stage.kind is SegmentKind.TIEBREAK and stage.segment is not None:
            state = dict(stage.segment.state)
            state["out"] = [t for t in state.get("out", []) if t != team_id]
            state["winner"] = None
            stage.segment.state = state
    return event


async def adjust(
    session: AsyncSession,
    *,
    actor: Actor,
    final_id: int,
    team_id: int,
    delta: int,
    reason: str,
    clock: Clock = utcnow,
) -> LiveEvent:
    """A judges' decision on a dispute: ``delta`` points to a team, with the reason (audited)."""
    reason = " ".join(reason.split())[:200]

    async def work(stage: Stage) -> LiveEvent:
        if not reason:
            raise ContestError("live_reason_needed")
        if not delta or abs(delta) > MAX_ADJUST:
            raise ContestError("live_bad_adjust", high=MAX_ADJUST)
        teams = {ident(t) for t in await teams_of(session, stage.final_id)}
        if team_id not in teams:
            raise ContestError("live_no_team", team=team_id)
        return await change_score(
            session,
            final_id=stage.final_id,
            team_id=team_id,
            delta=delta,
            kind="adjust",
            at=clock(),
            question_id=stage.final.question_id,
            actor_id=actor.user_id,
            reason=reason,
        )

    return await host_action(
        session,
        actor,
        final_id,
        "adjust",
        work,
        clock=clock,
        detail={"team_id": team_id, "delta": delta, "reason": reason},
    )
