"""Buzzing in (抢答) and the hall's answers (观众题): the players' and the audience's side.

A buzz is judged by the time the server received it, taken by the edge before anything else
(``received_at``): before the 开始 moment it is a false start (the team loses the question;
past the free ones it costs points), within the window after it a valid buzz, later refused.
The team's one row per question and the conditional update of the question's first buzz are
the database's, so ten phones pressing in the same millisecond leave exactly one first: the
earliest receipt time, and between equal times the row the database accepted first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import ContestError
from contest.live.common import BUZZ_KINDS, Stage, change_score, ident, load_stage
from contest.live.models import (
    AudienceAnswer,
    FinalStatus,
    LiveBuzz,
    LivePlayer,
    LiveQuestion,
    Phase,
    SegmentKind,
)
from quizbank.grading import grade
from quizbank.models import Question, QuestionType

EARLY = (Phase.PICKING, Phase.SHOWN)
OPEN = (Phase.ARMED, Phase.ANSWERING)


@dataclass(frozen=True)
class BuzzResult:
    """What the press did: ``first``, ``queued`` (behind the first), ``false_start``; with
    ``again`` for a press the team had already made (it counts once)."""

    status: str
    rank: int = 0
    behind_ms: int = 0
    penalty: int = 0
    again: bool = False


async def buzz(
    session: AsyncSession,
    *,
    final_id: int,
    team_id: int,
    worker_id: int | None,
    received_at: datetime,
    via: str = "web",
) -> BuzzResult:
    stage = await load_stage(session, final_id)
    question = _buzzable(stage, team_id)
    if worker_id is not None:
        await _check_player(session, final_id, team_id, worker_id)
    existing = await _existing(session, ident(question), team_id)
    if existing is not None:
        return await _result(session, question, existing, again=True)
    early = question.phase in EARLY or (
        question.armed_at is not None and received_at < question.armed_at
    )
    if not early:
        assert question.armed_at is not None
        window = timedelta(seconds=int(stage.rule("buzz_window_s", 15)))
        if received_at > question.armed_at + window:
            raise ContestError("live_too_late")
    row = LiveBuzz(
        final_id=final_id,
        question_id=ident(question),
        team_id=team_id,
        worker_id=worker_id,
        via=via[:16],
        received_at=received_at,
        false_start=early,
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = await _existing(session, ident(question), team_id)
        if existing is None:
            raise
        return await _result(session, question, existing, again=True)
    if early:
        penalty = await _false_start(session, stage, question, team_id, received_at)
        return BuzzResult("false_start", penalty=penalty)
    await _claim(session, question, row)
    return await _result(session, question, row)


def _buzzable(stage: Stage, team_id: int) -> LiveQuestion:
    if stage.final.status != FinalStatus.RUNNING:
        raise ContestError("live_not_running")
    if stage.final.paused:
        raise ContestError("live_paused")
    question = stage.question
    if question is None or stage.kind not in BUZZ_KINDS:
        raise ContestError("live_no_buzzing")
    if question.phase not in (*EARLY, *OPEN):
        raise ContestError("live_question_closed")
    if stage.kind is SegmentKind.TIEBREAK and stage.segment is not None:
        state = stage.segment.state
        if team_id not in state.get("in", []) or team_id in state.get("out", []):
            raise ContestError("live_not_in_tiebreak")
    return question


async def _check_player(session: AsyncSession, final_id: int, team_id: int, worker_id: int) -> None:
    row = await session.execute(
        select(col(LivePlayer.team_id)).where(
            col(LivePlayer.final_id) == final_id, col(LivePlayer.worker_id) == worker_id
        )
    )
    if row.scalar_one_or_none() != team_id:
        raise ContestError("live_not_a_player")


async def _existing(session: AsyncSession, question_id: int, team_id: int) -> LiveBuzz | None:
    row = await session.execute(
        select(LiveBuzz).where(
            col(LiveBuzz.question_id) == question_id, col(LiveBuzz.team_id) == team_id
        )
    )
    return row.scalar_one_or_none()


async def _claim(session: AsyncSession, question: LiveQuestion, row: LiveBuzz) -> None:
    """Become the question's first buzz unless an earlier receipt holds it (a conditional
    update: whichever order the requests are handled in, the earliest press ends up first);
    the first valid buzz starts the answer's clock."""
    buzz_id, at = ident(row), row.received_at
    earlier_held = or_(
        col(LiveQuestion.first_at).is_(None),
        col(LiveQuestion.first_at) > at,
        and_(col(LiveQuestion.first_at) == at, col(LiveQuestion.first_buzz_id) > buzz_id),
    )
    await session.execute(
        update(LiveQuestion)
        .where(
            col(LiveQuestion.id) == ident(question),
            col(LiveQuestion.wrong) == 0,
            col(LiveQuestion.phase).in_([p.value for p in OPEN]),
            earlier_held,
        )
        .values(first_buzz_id=buzz_id, first_at=at, answer_from=at, phase=Phase.ANSWERING.value)
        .execution_options(synchronize_session=False)
    )
    # After a wrong answer with nobody waiting, the next press answers.
    await session.execute(
        update(LiveQuestion)
        .where(col(LiveQuestion.id) == ident(question), col(LiveQuestion.phase) == Phase.ARMED)
        .values(answer_from=at, phase=Phase.ANSWERING.value)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(question)


async def _result(
    session: AsyncSession, question: LiveQuestion, row: LiveBuzz, *, again: bool = False
) -> BuzzResult:
    if row.false_start:
        return BuzzResult("false_start", again=again)
    ahead = await session.execute(
        select(func.count(), func.min(col(LiveBuzz.received_at))).where(
            col(LiveBuzz.question_id) == ident(question),
            col(LiveBuzz.false_start).is_(False),
            or_(
                col(LiveBuzz.received_at) < row.received_at,
                and_(col(LiveBuzz.received_at) == row.received_at, col(LiveBuzz.id) < ident(row)),
            ),
        )
    )
    count, first_at = ahead.one()
    rank = int(count) + 1
    behind = 0 if first_at is None else _ms(row.received_at - first_at)
    return BuzzResult("first" if rank == 1 else "queued", rank, behind, again=again)


async def _false_start(
    session: AsyncSession, stage: Stage, question: LiveQuestion, team_id: int, at: datetime
) -> int:
    """Record the false start; past the segment's free ones it costs the penalty."""
    segment = stage.segment
    assert segment is not None
    row = await session.execute(
        select(func.count())
        .select_from(LiveBuzz)
        .join(LiveQuestion, col(LiveQuestion.id) == col(LiveBuzz.question_id))
        .where(
            col(LiveQuestion.segment_id) == ident(segment),
            col(LiveBuzz.team_id) == team_id,
            col(LiveBuzz.false_start).is_(True),
        )
    )
    count = int(row.scalar_one())
    penalty = (
        int(stage.rule("false_start_penalty"))
        if count > int(stage.rule("false_starts_free"))
        else 0
    )
    await change_score(
        session,
        final_id=stage.final_id,
        team_id=team_id,
        delta=-penalty,
        kind="false_start",
        at=at,
        question_id=ident(question),
        data={"count": count},
    )
    return penalty


def _ms(delta: timedelta) -> int:
    return round(delta.total_seconds() * 1000)


# --- the audience (观众题) ------------------------------------------------------------------


async def audience_answer(
    session: AsyncSession,
    *,
    final_id: int,
    question_id: int,
    voter: str,
    name: str,
    response: Any,
    received_at: datetime,
) -> bool:
    """One phone's answer to the 观众题 on stage; True when it is right. A second answer
    from the same phone is refused (the first stands)."""
    stage = await load_stage(session, final_id)
    question = stage.question
    if question is None or ident(question) != question_id or question.phase != Phase.AUDIENCE:
        raise ContestError("live_audience_closed")
    bank = await session.get(Question, question.question_id)
    assert bank is not None
    correct = grade(QuestionType(bank.type), bank.answer, _checked(bank, response)).correct
    answer = AudienceAnswer(
        question_id=question_id,
        voter=voter[:32],
        name=" ".join(name.split())[:20],
        response=response,
        correct=correct,
        received_at=received_at,
    )
    try:
        async with session.begin_nested():
            session.add(answer)
    except IntegrityError:
        raise ContestError("live_audience_already") from None
    return correct


def _checked(bank: Question, response: Any) -> Any:
    """The response in the shape grading takes, or a refusal for anything else."""
    kind = QuestionType(bank.type)
    n = len(bank.options)
    if kind is QuestionType.TRUE_FALSE and response in (0, 1) and not isinstance(response, float):
        return bool(response)
    if kind is QuestionType.SINGLE and isinstance(response, int) and 0 <= response < n:
        return response
    if kind is QuestionType.MULTIPLE and _indices(response, n):
        return sorted(set(response))
    raise ContestError("live_bad_answer")


def _indices(response: Any, n: int) -> bool:
    if not isinstance(response, list) or not 0 < len(response) <= n:
        return False
    return all(isinstance(r, int) and not isinstance(r, bool) and 0 <= r < n for r in response)
