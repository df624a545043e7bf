"""The quiz state machine (答题): start, toggle, answer, advance; competitions and practice.

Everything a worker does to an attempt goes through here and is in the database before it is
acknowledged, so a restart loses nothing. Answers are idempotent (see
:func:`contest.attempt_state.record`) and deadlines are checked on the server against the
injected clock. Practice rounds (每日一练) share the machine; their bookkeeping is in
:mod:`contest.practice`.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from contest import practice_rounds as practice
from contest.attempt_state import (
    TIMEOUT,
    active_attempt,
    attempt_question,
    closed_step,
    competition_rules,
    expire_overdue,
    finish,
    owned,
    pending,
    present,
    record,
    show_current,
    summary,
)
from contest.competitions import accepts_answers, open_competitions
from contest.errors import ContestError
from contest.models import (
    AnswerStatus,
    Attempt,
    AttemptKind,
    AttemptQuestion,
    AttemptStatus,
    Competition,
    CompetitionStatus,
    Worker,
)
from contest.quizview import (
    Feedback,
    QuestionView,
    Step,
    Summary,
    build_view,
    feedback_for,
    grade_response,
    response_to_stored,
    scored_values,
)
from contest.rules import load_rules
from contest.standings import record_attempt_progress
from quizbank.drawing import CannotDraw, draw
from quizbank.grading import shuffled_order
from quizbank.models import CHOICE_TYPES, Question, QuestionType
from storage.types import Clock

__all__ = [
    "Feedback",
    "QuestionView",
    "Step",
    "Summary",
    "active_attempt",
    "answer",
    "answer_blank",
    "board_competition_id",
    "expire_overdue",
    "owned",
    "resume",
    "show_current",
    "start_competition",
    "start_practice",
    "summary",
    "toggle_option",
]


# --- starting ------------------------------------------------------------------------------


async def start_competition(
    session: AsyncSession, *, worker: Worker, competition_id: int, clock: Clock, tz: str
) -> QuestionView | Summary:
    """Start (or resume) the worker's attempt at a competition and present its question.

    Refusals (``ContestError``): ``competition_not_found``, ``competition_not_open``,
    ``attempt_in_progress`` (another competition), ``no_attempts_left``, ``cannot_draw``.
    """
    now = clock()
    worker_id = int(worker.id or 0)
    competition = await session.get(Competition, competition_id)
    if competition is None:
        raise ContestError("competition_not_found", competition_id=competition_id)
    if not accepts_answers(competition, now=now):
        raise ContestError("competition_not_open", name=competition.name)
    current = await active_attempt(session, worker_id=worker_id, clock=clock, tz=tz)
    if current is not None and current.competition_id == competition_id:
        return await show_current(
            session, worker_id=worker_id, attempt_id=int(current.id or 0), clock=clock, tz=tz
        )
    if current is not None and current.kind == AttemptKind.COMPETITION:
        raise ContestError("attempt_in_progress")
    rules = load_rules(competition.rules)
    used = await session.scalar(
        select(func.count())
        .select_from(Attempt)
        .where(col(Attempt.worker_id) == worker_id, col(Attempt.competition_id) == competition_id)
    )
    if (used or 0) >= rules.attempts_allowed:
        raise ContestError("no_attempts_left", allowed=rules.attempts_allowed)
    seed = random.SystemRandom().randrange(2**31)
    try:
        candidates = await practice.load_candidates(
            session, sets=rules.source.sets, categories=rules.source.categories
        )
        ids = draw(candidates, rules.draw_rules(), seed=seed)
    except CannotDraw as exc:
        raise ContestError("cannot_draw", unmet=len(exc.unmet)) from exc
    if current is not None:  # a practice round gives way to the competition
        await finish(session, attempt=current, status=AttemptStatus.EXPIRED, now=now, clock=clock)
    total_s = rules.total_time_limit_s or rules.question_time_limit_s * len(ids)
    attempt = Attempt(
        worker_id=worker_id,
        competition_id=competition_id,
        kind=AttemptKind.COMPETITION,
        number=(used or 0) + 1,
        seed=seed,
        started_at=now,
        deadline_at=min(now + timedelta(seconds=total_s), competition.ends_at),
    )
    await create_attempt(session, attempt=attempt, question_ids=ids)
    return await show_current(
        session, worker_id=worker_id, attempt_id=int(attempt.id or 0), clock=clock, tz=tz
    )


async def start_practice(
    session: AsyncSession,
    *,
    worker: Worker,
    clock: Clock,
    tz: str,
    count: int = practice.PRACTICE_ROUND,
) -> QuestionView | Summary:
    """Resume the open practice round, or start one of unseen questions (``no_questions``)."""
    worker_id = int(worker.id or 0)
    current = await active_attempt(session, worker_id=worker_id, clock=clock, tz=tz)
    if current is not None and current.kind == AttemptKind.COMPETITION:
        raise ContestError("attempt_in_progress")
    if current is None:
        ids, seed = await practice.practice_draw(session, worker_id=worker_id, count=count)
        current = practice.practice_attempt(worker_id=worker_id, seed=seed, now=clock())
        await create_attempt(session, attempt=current, question_ids=ids)
    return await show_current(
        session, worker_id=worker_id, attempt_id=int(current.id or 0), clock=clock, tz=tz
    )


async def create_attempt(
    session: AsyncSession, *, attempt: Attempt, question_ids: list[int]
) -> None:
    """Store the attempt and its questions, each with this worker's own option order."""
    rows = await session.execute(select(Question).where(col(Question.id).in_(question_ids)))
    questions = {q.id: q for q in rows.scalars()}
    rng = random.Random(attempt.seed)
    attempt.question_count = len(question_ids)
    session.add(attempt)
    await session.flush()
    for position, qid in enumerate(question_ids):
        question = questions[qid]
        shuffle = QuestionType(question.type) in CHOICE_TYPES
        order = shuffled_order(len(question.options), rng) if shuffle else []
        session.add(
            AttemptQuestion(
                attempt_id=int(attempt.id or 0),
                position=position,
                question_id=qid,
                option_order=order,
            )
        )
    await session.flush()


# --- answering -----------------------------------------------------------------------------


async def toggle_option(
    session: AsyncSession,
    *,
    worker_id: int,
    attempt_id: int,
    position: int,
    option: int,
    clock: Clock,
    tz: str,
) -> QuestionView | Step:
    """Select or unselect one displayed option of the open multiple-choice question."""
    attempt, aq, question = await pending(
        session, worker_id=worker_id, attempt_id=attempt_id, position=position, clock=clock
    )
    if aq is None or question is None:
        return await closed_step(session, attempt=attempt, clock=clock, tz=tz)
    if question.type != QuestionType.MULTIPLE or not 0 <= option < len(question.options):
        raise ContestError("bad_response")
    set_committed_value(aq, "selection", sorted(set(aq.selection) ^ {option}))
    await session.execute(
        update(AttemptQuestion)
        .where(
            col(AttemptQuestion.id) == aq.id, col(AttemptQuestion.status) == AnswerStatus.PENDING
        )
        .values(selection=aq.selection)
    )
    competition, rules = await competition_rules(session, attempt)
    await session.commit()
    return build_view(attempt, aq, question, competition, rules, timezone=tz)


async def answer(
    session: AsyncSession,
    *,
    worker_id: int,
    attempt_id: int,
    position: int,
    response: Any,
    clock: Clock,
    tz: str,
) -> Step:
    """Record the answer to the question at ``position`` once, then advance.

    ``response`` is in displayed form: an option position (single), a bool (true/false),
    ``None`` to submit the toggled selection (multiple), a list of texts (blank). An answer
    after the question's deadline is recorded as a timeout and scores 0.
    """
    now = clock()
    attempt, aq, question = await pending(
        session,
        worker_id=worker_id,
        attempt_id=attempt_id,
        position=position,
        clock=clock,
        late_ok=True,
    )
    if aq is None or question is None:
        return await closed_step(session, attempt=attempt, clock=clock, tz=tz)
    qtype = QuestionType(question.type)
    if qtype is QuestionType.MULTIPLE and response is None:
        if not aq.selection:
            return Step(outcome="empty", attempt_id=attempt_id)
        response = list(aq.selection)
    stored = response_to_stored(qtype, response, aq.option_order, len(question.options))
    _, rules = await competition_rules(session, attempt)
    elapsed = now - (aq.presented_at or now)
    late = aq.deadline_at is not None and now > aq.deadline_at
    result = None if late else grade_response(question, stored, rules)
    values = TIMEOUT if result is None else scored_values(question, result, rules, elapsed)
    elapsed_ms = max(int(elapsed.total_seconds() * 1000), 0)
    if not await record(
        session,
        aq=aq,
        attempt=attempt,
        now=now,
        response=stored,
        elapsed_ms=elapsed_ms,
        values=values,
    ):
        return await closed_step(session, attempt=attempt, clock=clock, tz=tz)
    if attempt.kind == AttemptKind.PRACTICE and result is not None:
        await practice.record_answer(
            session,
            worker_id=worker_id,
            correct=result.correct,
            score=values["score"],
            now=now,
            tz=tz,
        )
    feedback = feedback_for(question, aq, values, rules, late=late)
    return await _advance(session, attempt=attempt, feedback=feedback, clock=clock, tz=tz)


async def _advance(
    session: AsyncSession, *, attempt: Attempt, feedback: Feedback, clock: Clock, tz: str
) -> Step:
    now = clock()
    outcome = "timeout" if feedback.timeout else "scored"
    out_of_time = attempt.deadline_at is not None and now >= attempt.deadline_at
    if out_of_time or attempt.current_position >= attempt.question_count:
        status = AttemptStatus.EXPIRED if out_of_time else AttemptStatus.FINISHED
        await finish(session, attempt=attempt, status=status, now=now, clock=clock)
        await session.commit()
        done = await summary(session, attempt_id=int(attempt.id or 0), clock=clock, tz=tz)
        return Step(outcome=outcome, feedback=feedback, summary=done, attempt_id=attempt.id)
    # When the answer and explanation are shown the worker reads them first and asks for
    # the next question; its clock starts only then.
    paused = feedback.answer is not None
    view = None if paused else await present(session, attempt=attempt, now=now, tz=tz)
    await record_attempt_progress(session, attempt=attempt, clock=clock)
    await session.commit()
    return Step(outcome=outcome, feedback=feedback, next=view, attempt_id=attempt.id, paused=paused)


# --- blanks and boards ---------------------------------------------------------------------

_BLANK_SEPARATORS = re.compile(r"[;；\n]+")


def split_blanks(text: str, blanks: int) -> list[str]:
    """One text per blank: the whole reply for one blank, else split on ；/;/new lines."""
    if blanks <= 1:
        return [text.strip()]
    return [part.strip() for part in _BLANK_SEPARATORS.split(text) if part.strip()]


async def answer_blank(
    session: AsyncSession,
    *,
    worker_id: int,
    reply_to_message_id: int | None,
    text: str,
    clock: Clock,
    tz: str,
) -> Step | None:
    """A text reply answering the open blank question; None when no blank question is open.

    Only a reply to the question's own message counts (``reply_to_question`` otherwise), so a
    replayed update, answering a question that has since moved on, is closed, not re-scored.
    """
    attempt = await active_attempt(session, worker_id=worker_id, clock=clock, tz=tz)
    if attempt is None:
        return None
    aq, question = await attempt_question(
        session, attempt_id=int(attempt.id or 0), position=attempt.current_position
    )
    if question.type != QuestionType.BLANK:
        return None
    if reply_to_message_id is None:
        raise ContestError("reply_to_question")
    if reply_to_message_id != attempt.message_id or aq.presented_at is None:
        return await closed_step(session, attempt=attempt, clock=clock, tz=tz)
    return await answer(
        session,
        worker_id=worker_id,
        attempt_id=int(attempt.id or 0),
        position=aq.position,
        response=split_blanks(text, len(question.answer)),
        clock=clock,
        tz=tz,
    )


async def resume(
    session: AsyncSession, *, worker_id: int, clock: Clock, tz: str
) -> QuestionView | None:
    """/continue: the open question of the worker's unfinished attempt, if any."""
    attempt = await active_attempt(session, worker_id=worker_id, clock=clock, tz=tz)
    if attempt is None:
        return None
    current = await show_current(
        session, worker_id=worker_id, attempt_id=int(attempt.id or 0), clock=clock, tz=tz
    )
    return current if isinstance(current, QuestionView) else None


async def board_competition_id(session: AsyncSession, *, clock: Clock) -> int | None:
    """The competition /rank shows: the open one ending soonest, else the latest to close."""
    now = clock()
    open_now = await open_competitions(session, clock=clock)
    if open_now:
        return open_now[0].id
    return await session.scalar(
        select(col(Competition.id))
        .where(
            col(Competition.status).in_([CompetitionStatus.OPEN, CompetitionStatus.CLOSED]),
            col(Competition.starts_at) <= now,
        )
        .order_by(col(Competition.ends_at).desc())
        .limit(1)
    )
