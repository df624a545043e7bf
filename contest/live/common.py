"""What the live final's actions share: loading the final and its current question, the
answerer of a question, score changes written with their event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.admin.audit import perform
from contest.admin.policy import Actor, Need
from contest.errors import ContestError
from contest.live.models import (
    FinalStatus,
    LiveBuzz,
    LiveEvent,
    LiveFinal,
    LiveQuestion,
    LiveSegment,
    LiveTeam,
    SegmentKind,
)
from storage.types import Clock, utcnow

BUZZ_KINDS = (SegmentKind.BUZZER, SegmentKind.TIEBREAK)
T = TypeVar("T")


@dataclass
class Stage:
    """The final with its current segment and question (either may be None)."""

    final: LiveFinal
    segment: LiveSegment | None
    question: LiveQuestion | None

    @property
    def final_id(self) -> int:
        return ident(self.final)

    def rule(self, key: str, default: Any = 0) -> Any:
        return default if self.segment is None else self.segment.rules.get(key, default)

    @property
    def kind(self) -> SegmentKind | None:
        return None if self.segment is None else SegmentKind(self.segment.kind)

    def current(self) -> LiveQuestion:
        if self.question is None:
            raise ContestError("live_no_question")
        return self.question


async def host_action(
    session: AsyncSession,
    actor: Actor,
    final_id: int,
    verb: str,
    work: Callable[[Stage], Awaitable[T]],
    *,
    clock: Clock = utcnow,
    detail: dict[str, Any] | None = None,
    expect: int | None = None,
) -> T:
    """Run ``work`` on the final's stage as the organiser action ``live.<verb>``.

    ``expect`` is the stage's version the host was looking at: a second tap of a double tap
    (or a tap on a console another host has moved on) is refused as stale, not done twice."""
    stage = await load_stage(session, final_id)

    async def run() -> T:
        if expect is not None and expect != stage.final.version:
            raise ContestError("live_stale")
        result = await work(stage)
        stage.final.version += 1
        return result

    return await perform(
        session,
        actor,
        f"live.{verb}",
        run,
        competition_id=stage.final.competition_id,
        need=Need.COMPETITION,
        detail={"final_id": final_id, **(detail or {})},
        clock=clock,
    )


def ident(row: Any) -> int:
    """A flushed row's id (a row without one is a programming error, not a refusal)."""
    if row.id is None:
        raise AssertionError(f"{type(row).__name__} not flushed")
    return int(row.id)


async def load_stage(session: AsyncSession, final_id: int) -> Stage:
    final = await session.get(LiveFinal, final_id)
    if final is None:
        raise ContestError("live_no_final", final=final_id)
    segment = None
    if final.segment_position:
        row = await session.execute(
            select(LiveSegment).where(
                col(LiveSegment.final_id) == final_id,
                col(LiveSegment.position) == final.segment_position,
            )
        )
        segment = row.scalar_one_or_none()
    question = None
    if final.question_id is not None:
        question = await session.get(LiveQuestion, final.question_id)
    return Stage(final, segment, question)


async def buzzes_of(session: AsyncSession, question_id: int) -> list[LiveBuzz]:
    """A question's buzzes in the order that decides: receipt time, then the order the
    database accepted them (ids) for two presses received in the same microsecond."""
    rows = await session.execute(
        select(LiveBuzz)
        .where(col(LiveBuzz.question_id) == question_id)
        .order_by(col(LiveBuzz.received_at), col(LiveBuzz.id))
    )
    return list(rows.scalars())


async def next_answerer(session: AsyncSession, question_id: int) -> LiveBuzz | None:
    """The earliest valid buzz not yet ruled on: who answers now."""
    for buzz in await buzzes_of(session, question_id):
        if not buzz.false_start and buzz.ruling is None:
            return buzz
    return None


async def change_score(
    session: AsyncSession,
    *,
    final_id: int,
    team_id: int,
    delta: int,
    kind: str,
    at: datetime,
    question_id: int | None = None,
    actor_id: int | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> LiveEvent:
    """Record ``kind`` for the team and move its score by ``delta`` (an atomic update)."""
    if delta:
        await session.execute(
            update(LiveTeam)
            .where(col(LiveTeam.id) == team_id, col(LiveTeam.final_id) == final_id)
            .values(score=col(LiveTeam.score) + delta)
        )
    return log(
        session,
        final_id=final_id,
        kind=kind,
        at=at,
        team_id=team_id,
        delta=delta,
        question_id=question_id,
        actor_id=actor_id,
        reason=reason,
        data=data,
    )


def log(
    session: AsyncSession,
    *,
    final_id: int,
    kind: str,
    at: datetime,
    team_id: int | None = None,
    delta: int = 0,
    question_id: int | None = None,
    actor_id: int | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> LiveEvent:
    event = LiveEvent(
        final_id=final_id,
        question_id=question_id,
        team_id=team_id,
        kind=kind,
        delta=delta,
        reason=reason,
        data=data or {},
        actor_id=actor_id,
        at=at,
    )
    session.add(event)
    return event


async def teams_of(session: AsyncSession, final_id: int) -> list[LiveTeam]:
    rows = await session.execute(
        select(LiveTeam).where(col(LiveTeam.final_id) == final_id).order_by(col(LiveTeam.seat))
    )
    return list(rows.scalars())


def running(stage: Stage) -> None:
    if stage.final.status == FinalStatus.FINISHED:
        raise ContestError("live_finished")
