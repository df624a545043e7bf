"""The quiz state machine (答题): toggle, answer, advance; competitions and practice.

Starting is in :mod:`contest.attempts.start`, coming back after a while in
:mod:`contest.attempts.comeback`; both are re-exported here, the one module the edges call.

Everything a worker does to an attempt goes through here and is in the database before it is
acknowledged, so a restart loses nothing. The answer path reads once (the attempt, its open
and next question and the competition in one joined query) and writes once (the answer, the
attempt's totals, the next question's provisional clock and the worker's standing, in one
transaction). Answers are idempotent (:func:`contest.attempts.state.record`), deadlines are
checked on the server against the time the action reached the bot (the ``clock`` callers
pass), and the database holds the attempt invariants (one active attempt per worker,
numbered attempts per competition). Practice rounds (每日一练) share the machine; their
bookkeeping is in :mod:`contest.practice_rounds`.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest import practice_rounds as practice
from contest.attempts.comeback import (
    active_attempt,
    closed_step,
    expire_overdue,
    last_ended,
    latest_active,
    show_current,
    summary,
    takes_answers,
)
from contest.attempts.loading import Position, load_open, load_position
from contest.attempts.start import create_attempt, present_first, start_competition, start_practice
from contest.attempts.state import (
    finish,
    is_open,
    owned,
    present,
    question_delivered,
    question_undelivered,
    record,
)
from contest.competitions import open_competitions
from contest.errors import ContestError
from contest.models import (
    AttemptKind,
    AttemptStatus,
    Competition,
    CompetitionStatus,
)
from contest.quizview import (
    TIMEOUT,
    Feedback,
    QuestionView,
    Step,
    Summary,
    build_view,
    feedback_for,
    grade_response,
    marks_for,
    response_to_stored,
)
from contest.standings import record_standing
from quizbank.models import QuestionType
from storage.ids import id_of
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
    "create_attempt",
    "expire_overdue",
    "owned",
    "present_first",
    "question_delivered",
    "question_undelivered",
    "resume",
    "show_current",
    "start_competition",
    "start_practice",
    "summary",
    "toggle_option",
]


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
    return view


def _answerable(loaded: Position, position: int, clock: Clock, *, late_ok: bool = False) -> bool:
    """The question at ``position`` is open and its competition still takes answers (a
    competition closed early ends the attempt: :func:`contest.attempts.comeback.catch_up`)."""
    if not is_open(loaded, at=position):
        return False
    if not takes_answers(loaded.attempt, loaded.competition, now=clock()):
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
    loaded: Position | None = None,
    message_id: int | None = None,
) -> Step:
    """Record the answer to the question at ``position`` once, then advance.

    ``response`` is in displayed form: an option position (single), 1/0 (true/false), the
    ticked positions (multiple), a list of texts (blank). An answer after the question's
    deadline is recorded as a timeout and scores 0. ``loaded`` is the position when the
    caller has read it already; ``message_id`` the typed text that answers. The caller (the
    edge's turn) commits.
    """
    now = clock()
    if loaded is None:
        loaded = await load_position(
            session, worker_id=worker_id, attempt_id=attempt_id, position=position
        )
    attempt, aq, question, rules = loaded.attempt, loaded.current, loaded.question, loaded.rules
    if not _answerable(loaded, position, clock, late_ok=True):
        return await closed_step(session, attempt=attempt, clock=clock, tz=tz)
    assert aq is not None and question is not None
    qtype = QuestionType(question.type)
    if qtype is QuestionType.MULTIPLE and not response:
        return Step(outcome="empty", attempt_id=attempt_id)
    stored = response_to_stored(qtype, response, aq.option_order, len(question.options))
    elapsed = now - (aq.presented_at or now)
    late = aq.deadline_at is not None and now > aq.deadline_at
    result = None if late else grade_response(question, stored, rules)
    marks = TIMEOUT if result is None else marks_for(question, result, rules, elapsed)
    elapsed_ms = max(int(elapsed.total_seconds() * 1000), 0)
    if not await record(
        session,
        aq=aq,
        attempt=attempt,
        now=now,
        response=stored,
        elapsed_ms=elapsed_ms,
        marks=marks,
        message_id=message_id,
    ):
        return await closed_step(session, attempt=attempt, clock=clock, tz=tz)
    if attempt.kind == AttemptKind.PRACTICE and result is not None:
        await practice.record_answer(
            session,
            worker_id=worker_id,
            correct=result.correct,
            score=marks.score,
            now=now,
            tz=tz,
        )
    feedback = feedback_for(question, aq, marks, rules, late=late)
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
        await finish(
            session, attempt=attempt, status=status, now=now, rules=rules, team_id=loaded.team_id
        )
        known = (attempt, loaded.competition, rules)
        done = await summary(session, attempt_id=id_of(attempt), clock=clock, tz=tz, known=known)
        return Step(outcome=outcome, feedback=feedback, summary=done, attempt_id=attempt.id)
    # When the answer and explanation are shown the worker reads them first and asks for
    # the next question; its clock starts only then.
    paused = feedback.answer is not None
    view = None
    if not paused:
        following = None
        if loaded.following is not None and loaded.following_question is not None:
            following = (loaded.following, loaded.following_question)
        view = await present(
            session,
            attempt=attempt,
            now=now,
            tz=tz,
            loaded=following,
            competition_and_rules=(loaded.competition, rules),
        )
    if rules is not None:
        await record_standing(
            session, attempt=attempt, rules=rules, now=now, team_id=loaded.team_id
        )
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
    chat_id: int,
    message_id: int,
    text: str,
    clock: Clock,
    tz: str,
) -> Step | None:
    """A typed text answering the worker's open blank question (填空题), a reply or not.

    The text is matched to its question by the attempt's state, not by the message it
    replies to: a blank question's prompt is a new message whenever it is shown (again),
    and the worker may reply before the bot has even learnt the prompt's id. What tells a
    stale text apart is its own id: in a private chat the worker's and the bot's messages
    share one increasing sequence, so a text not newer than the attempt's latest message
    (the open question's first prompt, or the text that answered the question before) was
    written before the open question appeared, or has been counted already (a replay): it
    is ``closed``. A late text is a late answer (超时) to its own question. (One gap remains:
    two texts typed in quick succession and handled by two processes at once, the second
    after the first was counted but before the next prompt's id is known, can land on the
    next blank question; within one process the intake handles a chat's updates in order.)

    None when no attempt is active; ``answer_with_buttons`` when a choice question is open.
    """
    loaded = await load_open(session, worker_id=worker_id)
    if loaded is None:
        return None
    attempt, aq, question = loaded.attempt, loaded.current, loaded.question
    if aq is not None and question is not None and question.type != QuestionType.BLANK:
        raise ContestError("answer_with_buttons", n=aq.position + 1)
    written_before = (
        attempt.message_id is not None
        and attempt.chat_id in (None, chat_id)
        and message_id <= attempt.message_id
    )
    if aq is None or question is None or written_before:
        return await closed_step(session, attempt=attempt, clock=clock, tz=tz)
    return await answer(
        session,
        worker_id=worker_id,
        attempt_id=id_of(attempt),
        position=aq.position,
        response=split_blanks(text, len(question.answer)),
        clock=clock,
        tz=tz,
        loaded=loaded,
        message_id=message_id,
    )


async def resume(
    session: AsyncSession, *, worker_id: int, clock: Clock, tz: str
) -> QuestionView | Summary | None:
    """/continue: the open question of the worker's unfinished attempt, with what they
    missed; or, when their latest attempt ended without them, its summary saying why."""
    attempt = await latest_active(session, worker_id=worker_id)
    if attempt is not None:
        return await show_current(
            session, worker_id=worker_id, attempt_id=id_of(attempt), clock=clock, tz=tz
        )
    return await last_ended(session, worker_id=worker_id, clock=clock, tz=tz)


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
