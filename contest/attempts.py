"""The quiz state machine (答题): start, toggle, answer, advance; competitions and practice.

Everything a worker does to an attempt goes through here and is in the database before it is
acknowledged, so a restart loses nothing. The answer path reads once (the attempt, its open
and next question and the competition in one joined query) and writes once (the answer, the
attempt's totals, the next question's provisional clock and the worker's standing, in one
transaction). Answers are idempotent (:func:`contest.attempt_state.record`), deadlines are
checked on the server against the time the action reached the bot (the ``clock`` callers
pass), and the database holds the attempt invariants (one active attempt per worker,
numbered attempts per competition). Practice rounds (每日一练) share the machine; their
bookkeeping is in :mod:`contest.practice_rounds`.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest import practice_rounds as practice
from contest.attempt_state import (
    TIMEOUT,
    Position,
    active_attempt,
    attempt_question,
    attempts_today,
    closed_step,
    day_start,
    expire_overdue,
    finish,
    is_open,
    load_position,
    owned,
    present,
    question_delivered,
    question_undelivered,
    record,
    show_current,
    summary,
)
from contest.competitions import accepts_answers, open_competitions
from contest.errors import ContestError
from contest.mistakes import mistake_questions
from contest.models import (
    Attempt,
    AttemptKind,
    AttemptQuestion,
    AttemptStatus,
    Competition,
    CompetitionStatus,
    Worker,
)
from contest.papers import paper_for
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
from contest.rules import rules_of
from contest.standings import enter_standing, record_standing
from quizbank.drawing import CannotDraw
from quizbank.grading import shuffled_order
from quizbank.models import CHOICE_TYPES, Question, QuestionType
from storage.types import Clock

ROUND = practice.PRACTICE_ROUND
"""Questions in a practice round (错题本 rounds too)."""

__all__ = [
    "ROUND",
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
    "question_delivered",
    "question_undelivered",
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
    Two taps at once (in one process or two) start one attempt: the database refuses the
    second, which then resumes the first.
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
    if current is not None and current.kind != AttemptKind.PRACTICE:
        raise ContestError("attempt_in_progress")
    rules = rules_of(competition)
    used = await session.scalar(
        select(func.count())
        .select_from(Attempt)
        .where(col(Attempt.worker_id) == worker_id, col(Attempt.competition_id) == competition_id)
    )
    if (used or 0) >= rules.attempts_allowed:
        raise ContestError("no_attempts_left", allowed=rules.attempts_allowed)
    if rules.attempts_per_day is not None:
        await _within_today(
            session, worker_id=worker_id, competition=competition, per_day=rules.attempts_per_day,
            now=now,
        )  # fmt: skip
    seed = random.SystemRandom().randrange(2**31)
    try:
        ids = await paper_for(session, competition=competition, rules=rules, seed=seed)
    except CannotDraw as exc:
        raise ContestError("cannot_draw", unmet=len(exc.unmet)) from exc
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
    try:
        async with session.begin_nested():
            if current is not None:  # a practice round gives way to the competition
                await finish(session, attempt=current, status=AttemptStatus.EXPIRED, now=now)
            await create_attempt(session, attempt=attempt, question_ids=ids)
            await enter_standing(session, attempt=attempt, team_id=worker.team_id, now=now)
    except IntegrityError:
        return await _started_elsewhere(session, worker_id=worker_id, clock=clock, tz=tz)
    return await present_first(session, attempt=attempt, clock=clock, tz=tz)


async def _within_today(
    session: AsyncSession, *, worker_id: int, competition: Competition, per_day: int,
    now: datetime,
) -> None:  # fmt: skip
    """``no_attempts_today`` once today's attempts are used (每天可答 N 次); tomorrow resets."""
    if (
        await attempts_today(session, worker_id=worker_id, competition=competition, now=now)
        < per_day
    ):
        return
    tomorrow = day_start(now, competition.timezone) + timedelta(days=1)
    if tomorrow >= competition.ends_at:
        raise ContestError("no_attempts_left_today_last", per_day=per_day)
    raise ContestError("no_attempts_today", per_day=per_day)


async def start_practice(
    session: AsyncSession,
    *,
    worker: Worker,
    clock: Clock,
    tz: str,
    count: int = practice.PRACTICE_ROUND,
    mistakes: bool = False,
) -> QuestionView | Summary:
    """Resume the open practice round, or start one of unseen questions (``no_questions``);
    with ``mistakes`` one from the worker's 错题本 (``no_mistakes`` when it is empty)."""
    worker_id = int(worker.id or 0)
    current = await active_attempt(session, worker_id=worker_id, clock=clock, tz=tz)
    if current is not None and current.kind != AttemptKind.PRACTICE:
        raise ContestError("attempt_in_progress")
    if current is not None:
        return await show_current(
            session, worker_id=worker_id, attempt_id=int(current.id or 0), clock=clock, tz=tz
        )
    if mistakes:
        book = await mistake_questions(session, worker_id=worker_id)
        if not book:
            raise ContestError("no_mistakes")
        ids, seed = book[:count], random.SystemRandom().randrange(2**31)
    else:
        ids, seed = await practice.practice_draw(session, worker_id=worker_id, count=count)
    attempt = practice.practice_attempt(worker_id=worker_id, seed=seed, now=clock())
    try:
        async with session.begin_nested():
            await create_attempt(session, attempt=attempt, question_ids=ids)
    except IntegrityError:
        return await _started_elsewhere(session, worker_id=worker_id, clock=clock, tz=tz)
    return await present_first(session, attempt=attempt, clock=clock, tz=tz)


async def _started_elsewhere(
    session: AsyncSession, *, worker_id: int, clock: Clock, tz: str
) -> QuestionView | Summary:
    """Another tap started an attempt first (the unique index refused ours): show that one."""
    current = await active_attempt(session, worker_id=worker_id, clock=clock, tz=tz)
    if current is None:
        raise ContestError("attempt_in_progress")
    return await show_current(
        session, worker_id=worker_id, attempt_id=int(current.id or 0), clock=clock, tz=tz
    )


async def present_first(
    session: AsyncSession, *, attempt: Attempt, clock: Clock, tz: str
) -> QuestionView:
    first = await attempt_question(session, attempt_id=int(attempt.id or 0), position=0)
    view = await present(session, attempt=attempt, now=clock(), tz=tz, loaded=first)
    await session.commit()
    return view


async def create_attempt(
    session: AsyncSession, *, attempt: Attempt, question_ids: list[int]
) -> None:
    """Store the attempt and its questions, each with this worker's own option order."""
    rows = await session.execute(
        select(col(Question.id), col(Question.type), col(Question.options)).where(
            col(Question.id).in_(question_ids)
        )
    )
    shapes = {qid: (QuestionType(qtype), len(options)) for qid, qtype, options in rows}
    rng = random.Random(attempt.seed)
    attempt.question_count = len(question_ids)
    session.add(attempt)
    await session.flush()
    values = []
    for position, qid in enumerate(question_ids):
        qtype, n_options = shapes[qid]
        order = shuffled_order(n_options, rng) if qtype in CHOICE_TYPES else []
        values.append(
            {
                "attempt_id": int(attempt.id or 0),
                "position": position,
                "question_id": qid,
                "option_order": order,
                "status": "pending",
                "credit": 0.0,
                "score": 0.0,
                "elapsed_ms": 0,
            }
        )
    await session.execute(insert(AttemptQuestion), values)


# --- answering -----------------------------------------------------------------------------


async def toggle_option(
    session: AsyncSession,
    *,
    worker_id: int,
    attempt_id: int,
    position: int,
    selection: list[int],
    clock: Clock,
    tz: str,
) -> QuestionView | Step:
    """The open multiple-choice question with ``selection`` ticked (nothing is stored).

    The ticked set travels in the keyboard's own buttons and is stored once, on 提交, so
    quick taps can never lose one to a read-modify-write race.
    """
    loaded = await load_position(
        session, worker_id=worker_id, attempt_id=attempt_id, position=position
    )
    if not _answerable(loaded, position, clock):
        return await closed_step(session, attempt=loaded.attempt, clock=clock, tz=tz)
    assert loaded.current is not None and loaded.question is not None
    if loaded.question.type != QuestionType.MULTIPLE or not all(
        0 <= option < len(loaded.question.options) for option in selection
    ):
        raise ContestError("bad_response")
    view = build_view(
        loaded.attempt,
        loaded.current,
        loaded.question,
        loaded.competition,
        loaded.rules,
        timezone=tz,
        selection=selection,
    )
    await session.commit()
    return view


def _answerable(loaded: Position, position: int, clock: Clock, *, late_ok: bool = False) -> bool:
    if not is_open(loaded, at=position):
        return False
    aq = loaded.current
    assert aq is not None
    late = aq.deadline_at is not None and clock() > aq.deadline_at
    return late_ok or not late


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

    ``response`` is in displayed form: an option position (single), 1/0 (true/false), the
    ticked positions (multiple), a list of texts (blank). An answer after the question's
    deadline is recorded as a timeout and scores 0. Commits before it returns.
    """
    now = clock()
    loaded = await load_position(
        session, worker_id=worker_id, attempt_id=attempt_id, position=position
    )
    attempt, aq, question, rules = loaded.attempt, loaded.current, loaded.question, loaded.rules
    if not _answerable(loaded, position, clock, late_ok=True):
        return await closed_step(session, attempt=attempt, clock=clock, tz=tz)
    assert aq is not None and question is not None
    qtype = QuestionType(question.type)
    if qtype is QuestionType.MULTIPLE and not response:
        await session.commit()
        return Step(outcome="empty", attempt_id=attempt_id)
    stored = response_to_stored(qtype, response, aq.option_order, len(question.options))
    elapsed = now - (aq.presented_at or now)
    late = aq.deadline_at is not None and now > aq.deadline_at
    result = None if late else grade_response(question, stored, rules)
    values = TIMEOUT if result is None else scored_values(question, result, rules, elapsed)
    elapsed_ms = max(int(elapsed.total_seconds() * 1000), 0)
    if not await record(
        session, aq=aq, attempt=attempt, now=now, response=stored, elapsed_ms=elapsed_ms,
        values=values,
    ):  # fmt: skip
        return await closed_step(session, attempt=attempt, clock=clock, tz=tz)
    if attempt.kind == AttemptKind.PRACTICE and result is not None:
        await practice.record_answer(
            session, worker_id=worker_id, correct=result.correct, score=values["score"],
            now=now, tz=tz,
        )  # fmt: skip
    feedback = feedback_for(question, aq, values, rules, late=late)
    return await _advance(session, loaded=loaded, feedback=feedback, clock=clock, tz=tz)


async def _advance(
    session: AsyncSession, *, loaded: Position, feedback: Feedback, clock: Clock, tz: str
) -> Step:
    now = clock()
    attempt, rules = loaded.attempt, loaded.rules
    outcome = "timeout" if feedback.timeout else "scored"
    out_of_time = attempt.deadline_at is not None and now >= attempt.deadline_at
    if out_of_time or attempt.current_position >= attempt.question_count:
        status = AttemptStatus.EXPIRED if out_of_time else AttemptStatus.FINISHED
        await finish(session, attempt=attempt, status=status, now=now, rules=rules)
        await session.commit()
        done = await summary(session, attempt_id=int(attempt.id or 0), clock=clock, tz=tz)
        await session.commit()
        return Step(outcome=outcome, feedback=feedback, summary=done, attempt_id=attempt.id)
    # When the answer and explanation are shown the worker reads them first and asks for
    # the next question; its clock starts only then.
    paused = feedback.answer is not None
    view = None
    if not paused:
        following = None
        if loaded.following is not None and loaded.following_question is not None:
            following = (loaded.following, loaded.following_question)
        view = await present(session, attempt=attempt, now=now, tz=tz, loaded=following)
    if rules is not None:
        await record_standing(session, attempt=attempt, rules=rules, now=now)
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
