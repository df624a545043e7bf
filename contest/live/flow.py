"""The host's actions (主持人 / 计分员): next question, 开始, right/wrong, undo, pause, the
audience, the next segment, the end, and a judge's adjustment with its reason.

Each is one organiser action through :func:`contest.admin.audit.perform` (the permission on
the final's competition, the audit row in the same transaction), takes the request's receipt
time from ``clock`` and writes its event to the final's record. Nothing here waits: every
step the host takes is answered at once, and time limits are shown, not enforced on the
host (a late answer is the judges' call: they rule it wrong).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.admin.policy import Actor
from contest.errors import ContestError
from contest.live.common import (
    BUZZ_KINDS,
    Stage,
    host_action,
    ident,
    log,
    running,
    teams_of,
)
from contest.live.models import (
    FinalStatus,
    LiveEvent,
    LiveQuestion,
    LiveSegment,
    Phase,
    SegmentKind,
)
from contest.live.rulings import adjust, rule_answer, undo_ruling
from storage.types import Clock, utcnow

__all__ = ["STEPS", "adjust"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class HostStep(Protocol[T_co]):
    """A host action that takes nothing but who taps and which final."""

    async def __call__(
        self,
        session: AsyncSession,
        *,
        actor: Actor,
        final_id: int,
        clock: Clock = utcnow,
        expect: int | None = None,
    ) -> T_co: ...


STEPS: dict[str, HostStep[Any]] = {}
"""The host actions that take no value, by their verb (``live.<verb>`` in the audit)."""


def _step(
    verb: str,
) -> Callable[[Callable[[AsyncSession, Stage, Clock], Awaitable[T]]], HostStep[T]]:
    """Make ``work(session, stage, clock)`` the host action ``verb``
    (:func:`contest.live.common.host_action`), listed in :data:`STEPS`."""

    def wrap(work: Callable[[AsyncSession, Stage, Clock], Awaitable[T]]) -> HostStep[T]:
        @functools.wraps(work)
        async def action(
            session: AsyncSession,
            *,
            actor: Actor,
            final_id: int,
            clock: Clock = utcnow,
            expect: int | None = None,
        ) -> T:
            async def run(stage: Stage) -> T:
                return await work(session, stage, clock)

            return await host_action(
                session, actor, final_id, verb, run, clock=clock, expect=expect
            )

        STEPS[verb] = action
        return action

    return wrap


def _close(stage: Stage, clock: Clock, outcome: str = "skipped") -> None:
    question = stage.question
    if question is not None and question.phase != Phase.DONE:
        question.phase = Phase.DONE
        question.outcome = question.outcome or outcome
        question.closed_at = clock()


@_step("next")
async def next_question(session: AsyncSession, stage: Stage, clock: Clock) -> LiveQuestion:
    """Put the segment's next question on stage (the first segment starts the final); the
    question on stage, answered or not, is closed."""
    running(stage)
    if stage.segment is None:
        await _enter_segment(session, stage, 1, clock)
    segment = stage.segment
    if segment is None:
        raise ContestError("live_no_segment", segment=1)
    _close(stage, clock)
    row = await session.execute(
        select(LiveQuestion)
        .where(
            col(LiveQuestion.segment_id) == ident(segment),
            col(LiveQuestion.phase) == Phase.PENDING,
        )
        .order_by(col(LiveQuestion.position))
        .limit(1)
    )
    question = row.scalar_one_or_none()
    if question is None:
        raise ContestError("live_segment_done")
    await _present(session, stage, question, clock)
    return question


async def _present(
    session: AsyncSession, stage: Stage, question: LiveQuestion, clock: Clock
) -> None:
    kind = stage.kind
    now = clock()
    question.shown_at = now
    question.phase = Phase.SHOWN
    if kind in (SegmentKind.COMPULSORY, SegmentKind.RISK):
        question.team_id = await _team_in_turn(session, stage, kind)
        if kind is SegmentKind.RISK:
            question.phase = Phase.PICKING
    elif kind is SegmentKind.AUDIENCE:
        question.phase = Phase.AUDIENCE
        question.answer_from = now
    stage.final.question_id = ident(question)
    stage.question = question
    log(
        session,
        final_id=stage.final_id,
        kind="show",
        at=now,
        question_id=ident(question),
        team_id=question.team_id,
    )


async def _team_in_turn(session: AsyncSession, stage: Stage, kind: SegmentKind) -> int:
    """必答: each team in seat order. 风险: of the teams with the fewest risk questions so
    far, the lowest score picks first (seat order among equals)."""
    segment = stage.segment
    assert segment is not None
    teams = await teams_of(session, stage.final_id)
    rows = await session.execute(
        select(col(LiveQuestion.team_id), func.count())
        .where(
            col(LiveQuestion.segment_id) == ident(segment), col(LiveQuestion.team_id).is_not(None)
        )
        .group_by(col(LiveQuestion.team_id))
    )
    taken: dict[int, int] = {int(team): int(n) for team, n in rows.all()}
    if kind is SegmentKind.COMPULSORY:
        return ident(teams[sum(taken.values()) % len(teams)])
    return ident(min(teams, key=lambda t: (taken.get(ident(t), 0), t.score, t.seat)))


async def _enter_segment(session: AsyncSession, stage: Stage, position: int, clock: Clock) -> None:
    row = await session.execute(
        select(LiveSegment).where(
            col(LiveSegment.final_id) == stage.final_id, col(LiveSegment.position) == position
        )
    )
    segment = row.scalar_one_or_none()
    if segment is None:
        raise ContestError("live_no_more_segments")
    if segment.kind == SegmentKind.TIEBREAK:
        teams = await teams_of(session, stage.final_id)
        top = max(t.score for t in teams)
        tied = [ident(t) for t in teams if t.score == top]
        if len(tied) < 2:
            raise ContestError("live_no_tie")
        segment.state = {"in": tied, "out": [], "winner": None}
    stage.final.segment_position = position
    stage.final.status = FinalStatus.RUNNING
    stage.final.question_id = None
    stage.segment = segment
    stage.question = None
    log(
        session,
        final_id=stage.final_id,
        kind="segment",
        at=clock(),
        data={"position": position, "kind": segment.kind},
    )


@_step("segment")
async def next_segment(session: AsyncSession, stage: Stage, clock: Clock) -> LiveSegment:
    running(stage)
    _close(stage, clock)
    await _enter_segment(session, stage, stage.final.segment_position + 1, clock)
    assert stage.segment is not None
    return stage.segment


async def pick_value(
    session: AsyncSession,
    *,
    actor: Actor,
    final_id: int,
    value: int,
    clock: Clock = utcnow,
    expect: int | None = None,
) -> LiveQuestion:
    """风险题: the team in turn takes ``value``; the question is shown."""

    async def work(stage: Stage) -> LiveQuestion:
        question = stage.current()
        if question.phase != Phase.PICKING:
            raise ContestError("live_not_picking")
        if value not in stage.rule("values", []):
            raise ContestError("live_bad_value", value=value)
        question.value = value
        question.phase = Phase.SHOWN
        log(
            session,
            final_id=stage.final_id,
            kind="risk_pick",
            at=clock(),
            question_id=ident(question),
            team_id=question.team_id,
            data={"value": value},
        )
        return question

    return await host_action(
        session, actor, final_id, "pick", work, clock=clock, detail={"value": value}, expect=expect
    )


@_step("start")
async def start(session: AsyncSession, stage: Stage, clock: Clock) -> LiveQuestion:
    """开始: arms the buzzers (抢答, 加赛) or starts the answer's clock (必答, 风险). Pressed
    again after a wrong answer, it re-arms for the teams that have not buzzed."""
    question = stage.current()
    if stage.final.paused:
        raise ContestError("live_paused")
    if question.phase not in (Phase.SHOWN, Phase.ARMED):
        raise ContestError("live_cannot_start", phase=str(question.phase))
    now = clock()
    question.armed_at = now
    if stage.kind in BUZZ_KINDS:
        question.phase = Phase.ARMED
    else:
        question.phase = Phase.ANSWERING
        question.answer_from = now
    log(session, final_id=stage.final_id, kind="start", at=now, question_id=ident(question))
    return question


async def rule(
    session: AsyncSession,
    *,
    actor: Actor,
    final_id: int,
    right: bool,
    clock: Clock = utcnow,
    expect: int | None = None,
) -> LiveEvent:
    """The judges' ruling on the answer being given (right or wrong, a late one is wrong)."""

    async def work(stage: Stage) -> LiveEvent:
        return await rule_answer(session, stage, right=right, actor=actor, clock=clock)

    return await host_action(
        session, actor, final_id, "right" if right else "wrong", work, clock=clock, expect=expect
    )


@_step("undo")
async def undo(session: AsyncSession, stage: Stage, clock: Clock) -> LiveEvent:
    return await undo_ruling(session, stage, clock=clock)


@_step("pause")
async def pause(session: AsyncSession, stage: Stage, clock: Clock) -> bool:
    """暂停 / 继续: while paused no buzz counts and 开始 is refused. Returns the new state."""
    stage.final.paused = not stage.final.paused
    log(
        session,
        final_id=stage.final_id,
        kind="pause" if stage.final.paused else "resume",
        at=clock(),
    )
    return stage.final.paused


@_step("audience")
async def to_audience(session: AsyncSession, stage: Stage, clock: Clock) -> LiveQuestion:
    """The question on stage becomes a 观众题: the hall answers on their phones."""
    question = stage.current()
    if question.phase in (Phase.DONE, Phase.AUDIENCE, Phase.PICKING):
        raise ContestError("live_cannot_audience", phase=str(question.phase))
    question.phase = Phase.AUDIENCE
    question.answer_from = clock()
    log(
        session,
        final_id=stage.final_id,
        kind="audience",
        at=clock(),
        question_id=ident(question),
    )
    return question


@_step("reveal")
async def reveal(session: AsyncSession, stage: Stage, clock: Clock) -> LiveQuestion:
    """揭晓: the question on stage closes and its answer is shown."""
    question = stage.current()
    if question.phase == Phase.DONE:
        raise ContestError("live_already_closed")
    _close(stage, clock, "audience" if question.phase == Phase.AUDIENCE else "closed")
    log(session, final_id=stage.final_id, kind="reveal", at=clock(), question_id=ident(question))
    return question


@_step("finish")
async def finish(session: AsyncSession, stage: Stage, clock: Clock) -> None:
    """The end: the podium goes up; the record stays for the export."""
    running(stage)
    _close(stage, clock)
    stage.final.status = FinalStatus.FINISHED
    stage.final.finished_at = clock()
    stage.final.paused = False
    log(session, final_id=stage.final_id, kind="finish", at=clock())
