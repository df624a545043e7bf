"""The attempt's state in the database: loading, presenting, recording, finishing.

The building blocks of :mod:`contest.attempts` (deadlines that passed while the worker was
away are applied in :mod:`contest.attempts.comeback`). Three rules make answers safe and fair:

- an answer is written by one conditional ``UPDATE … WHERE status = 'pending'``
  (:func:`record`), so a double tap, a replay or a second process counts nothing twice;
- every deadline is compared, on the server, with the time the worker's action *reached*
  the bot (the caller's clock is the update's receipt time, not when a busy process got to
  it), :func:`contest.attempts.comeback.catch_up`;
- a question's clock starts when Telegram accepted its message: presenting sets a
  provisional start, and :func:`question_delivered` moves it to the acceptance time (or
  :func:`question_undelivered` stops it when the message never arrived).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from contest import practice_rounds as practice
from contest.attempts import statements
from contest.attempts.loading import Position, reread_attempt
from contest.errors import ContestError
from contest.models import (
    AnswerStatus,
    Attempt,
    AttemptKind,
    AttemptQuestion,
    AttemptStatus,
    Competition,
)
from contest.quizview import Marks, QuestionView, build_view
from contest.rules import CompetitionRules, rules_of
from contest.standings import UNREAD, Unread, record_playoff, record_standing
from quizbank.models import Question
from storage.ids import id_of

# --- loading ---------------------------------------------------------------------------


async def owned(session: AsyncSession, *, worker_id: int, attempt_id: int) -> Attempt:
    """The attempt, refusing one that does not exist or belongs to someone else."""
    attempt = await session.get(Attempt, attempt_id, populate_existing=True)
    if attempt is None:
        raise ContestError("attempt_not_found")
    if attempt.worker_id != worker_id:
        raise ContestError("not_your_attempt")
    return attempt


async def attempt_question(
    session: AsyncSession, *, attempt_id: int, position: int
) -> tuple[AttemptQuestion, Question]:
    """The attempt's question at ``position`` with its bank question, in one round trip."""
    row = (
        await session.execute(
            select(AttemptQuestion, Question)
            .join(Question, col(Question.id) == col(AttemptQuestion.question_id))
            .where(
                col(AttemptQuestion.attempt_id) == attempt_id,
                col(AttemptQuestion.position) == position,
            )
            .execution_options(populate_existing=True)
        )
    ).one()
    return row[0], row[1]


async def competition_rules(
    session: AsyncSession, attempt: Attempt
) -> tuple[Competition | None, CompetitionRules | None]:
    if attempt.competition_id is None:
        return None, None
    competition = await session.get(Competition, attempt.competition_id)
    if competition is None:
        raise ContestError("competition_not_found", competition_id=attempt.competition_id)
    return competition, rules_of(competition)


def is_open(position: Position, *, at: int) -> bool:
    """Whether the question at ``at`` is the attempt's open, presented, unanswered one."""
    attempt, aq = position.attempt, position.current
    return (
        attempt.status == AttemptStatus.ACTIVE
        and attempt.current_position == at
        and aq is not None
        and aq.status == AnswerStatus.PENDING
        and aq.presented_at is not None
    )


# --- presenting ----------------------------------------------------------------------------


async def present(
    session: AsyncSession,
    *,
    attempt: Attempt,
    now: datetime,
    tz: str,
    loaded: tuple[AttemptQuestion, Question] | None = None,
    competition_and_rules: tuple[Competition | None, CompetitionRules | None] | None = None,
) -> QuestionView:
    """The current question; the first time it is shown its clock starts (provisionally).

    ``loaded`` is the current question and ``competition_and_rules`` the attempt's
    competition when the caller has them already (no second read).
    """
    aq, question = loaded or await attempt_question(
        session, attempt_id=id_of(attempt), position=attempt.current_position
    )
    competition, rules = competition_and_rules or await competition_rules(session, attempt)
    fresh = aq.presented_at is None
    if fresh:
        # Set without marking the row dirty: the conditional UPDATE is the only write.
        set_committed_value(aq, "presented_at", now)
        set_committed_value(aq, "deadline_at", question_deadline(attempt, rules, now))
        await session.execute(
            statements.START_CLOCK,
            {"b_id": aq.id, "b_at": aq.presented_at, "b_deadline": aq.deadline_at},
        )
        if attempt.kind == AttemptKind.PRACTICE:  # what practice prefers not to repeat
            await practice.mark_seen(
                session, worker_id=attempt.worker_id, question_id=aq.question_id, now=now
            )
    return build_view(attempt, aq, question, competition, rules, timezone=tz, fresh=fresh)


def question_deadline(
    attempt: Attempt, rules: CompetitionRules | None, start: datetime
) -> datetime | None:
    """Per-question limit and the attempt's total limit: the earlier wins."""
    if rules is None:  # practice: no clock per question
        return None
    limit = start + timedelta(seconds=rules.question_time_limit_s)
    return min(limit, attempt.deadline_at) if attempt.deadline_at else limit


async def question_delivered(session: AsyncSession, *, view: QuestionView, at: datetime) -> None:
    """Telegram accepted the question's message at ``at``: its clock starts then.

    Moves a provisional start (set when the question was presented) forward to ``at``,
    never back, and only while the question is unanswered; the deadline moves with it,
    still capped by the attempt's own. A question shown again (/continue, a second prompt)
    keeps the clock it has: showing it twice gives no extra time. Flushes, does not commit.
    """
    moved = _moved(view, at)
    if moved is not None:
        await session.execute(statements.MOVE_CLOCK, moved)


async def questions_delivered(
    session: AsyncSession, *, served: list[tuple[QuestionView, datetime]]
) -> None:
    """:func:`question_delivered` for many questions in one statement (one round trip).

    The browser's answers are served many at a time; their clocks are moved together.
    Flushes, does not commit.
    """
    params = [_moved(view, at) for view, at in served]
    moves = [p for p in params if p is not None]
    if moves:
        await session.execute(statements.MOVE_CLOCK, moves)


def _moved(view: QuestionView, at: datetime) -> dict[str, Any] | None:
    if not view.fresh or view.presented_at is None or at <= view.presented_at:
        return None
    deadline = None
    if view.limit_s is not None:
        deadline = at + timedelta(seconds=view.limit_s)
        if view.attempt_deadline_at is not None:
            deadline = min(deadline, view.attempt_deadline_at)
    return {
        "b_attempt": view.attempt_id,
        "b_position": view.position,
        "b_provisional": view.presented_at,
        "b_at": at,
        "b_deadline": deadline,
    }


async def question_undelivered(session: AsyncSession, *, view: QuestionView) -> None:
    """The question's message never reached the worker: its clock has not started.

    The next time the worker acts the question is presented again, with a fresh clock.
    """
    if view.presented_at is None:
        return
    await session.execute(
        update(AttemptQuestion)
        .where(
            col(AttemptQuestion.attempt_id) == view.attempt_id,
            col(AttemptQuestion.position) == view.position,
            col(AttemptQuestion.status) == AnswerStatus.PENDING,
            col(AttemptQuestion.presented_at) == view.presented_at,
        )
        .values(presented_at=None, deadline_at=None)
        .execution_options(synchronize_session=False)
    )


# --- recording -----------------------------------------------------------------------------


async def record(
    session: AsyncSession,
    *,
    aq: AttemptQuestion,
    attempt: Attempt,
    now: datetime,
    response: Any,
    elapsed_ms: int,
    marks: Marks,
    message_id: int | None = None,
) -> bool:
    """The one conditional write that makes an answer count once; then the attempt totals.

    ``message_id`` is the chat message that answered (a typed text): it becomes the
    attempt's latest message, so the same text seen again answers nothing else.
    """
    answer = {
        "b_id": aq.id,
        "b_answered_at": now,
        "b_response": response,
        "b_elapsed_ms": elapsed_ms,
        "b_status": str(marks.status),
        "b_correct": marks.correct,
        "b_credit": marks.credit,
        "b_score": marks.score,
    }
    result = await session.execute(statements.RECORD, answer)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False  # a double tap or a replay was first: nothing was written
    step = {
        "b_id": attempt.id,
        "b_position": aq.position + 1,
        "b_score": marks.score,
        "b_correct": 1 if marks.correct else 0,
        "b_elapsed": elapsed_ms,
    }
    if message_id is not None:
        step["b_message_id"] = message_id
    totals_of = statements.TOTALS if message_id is None else statements.TOTALS_TYPED
    totals = (await session.execute(totals_of, step)).one()
    for name, value in totals._mapping.items():  # the new totals, without another SELECT
        set_committed_value(attempt, name, value)
    set_committed_value(aq, "status", marks.status)
    set_committed_value(aq, "correct", marks.correct)
    set_committed_value(aq, "credit", marks.credit)
    set_committed_value(aq, "score", marks.score)
    return True


async def finish(
    session: AsyncSession,
    *,
    attempt: Attempt,
    status: AttemptStatus,
    now: datetime,
    rules: CompetitionRules | None = None,
    team_id: int | Unread | None = UNREAD,
) -> None:
    """Close the attempt: pending questions become timeouts, the standing is brought up to date.

    ``team_id`` is the worker's team when the caller read it already."""
    await session.execute(statements.TIME_OUT_PENDING, {"b_attempt": attempt.id})
    close = {
        "b_id": attempt.id,
        "b_status": str(status),
        "b_at": now,
        "b_position": attempt.question_count,
    }
    result = await session.execute(statements.CLOSE, close)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await reread_attempt(session, attempt)  # someone else closed it first: theirs counts
        return
    set_committed_value(attempt, "status", status)
    set_committed_value(attempt, "finished_at", now)
    set_committed_value(attempt, "current_position", attempt.question_count)
    if attempt.kind == AttemptKind.COMPETITION:
        if rules is None:
            _, rules = await competition_rules(session, attempt)
        assert rules is not None
        await record_standing(session, attempt=attempt, rules=rules, now=now, team_id=team_id)
    elif attempt.kind == AttemptKind.PLAYOFF:
        await record_playoff(session, attempt=attempt, now=now)


async def remember_message(
    session: AsyncSession, *, attempt_id: int, chat_id: int, message_id: int
) -> None:
    """The attempt's latest message in its chat: the first message showing its open question
    (or the text that answered the question before it).

    A typed text older than it was written before the open question appeared
    (:func:`contest.attempts.answer_blank`). Only moves forward: a prompt remembered after
    a quick reply to it has already been counted does not undo that. Flushes, does not
    commit (the caller's transaction carries it).
    """
    await session.execute(
        update(Attempt)
        .where(
            col(Attempt.id) == attempt_id,
            or_(
                col(Attempt.message_id).is_(None),
                col(Attempt.message_id) < message_id,
                col(Attempt.chat_id) != chat_id,
            ),
        )
        .values(chat_id=chat_id, message_id=message_id)
        .execution_options(synchronize_session=False)
    )
