"""The attempt's state in the database: loading, presenting, recording, finishing, expiring.

The building blocks of :mod:`contest.attempts`. Two rules make answers safe: an answer is
written by one conditional ``UPDATE … WHERE status = 'pending'`` (:func:`record`), and every
deadline is compared with the injected clock here, on the server (:func:`catch_up`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from contest import practice_rounds as practice
from contest.boards import individual_rank
from contest.errors import ContestError
from contest.models import (
    AnswerStatus,
    Attempt,
    AttemptKind,
    AttemptQuestion,
    AttemptStatus,
    Competition,
    Worker,
)
from contest.quizview import QuestionView, Step, Summary, build_view
from contest.rules import CompetitionRules, load_rules
from contest.standings import record_attempt_progress
from quizbank.models import Question
from storage.types import Clock

TIMEOUT: dict[str, Any] = {
    "status": AnswerStatus.TIMEOUT,
    "correct": False,
    "credit": 0.0,
    "score": 0.0,
}


# --- loading -------------------------------------------------------------------------------


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
    return competition, load_rules(competition.rules)


async def pending(
    session: AsyncSession,
    *,
    worker_id: int,
    attempt_id: int,
    position: int,
    clock: Clock,
    late_ok: bool = False,
) -> tuple[Attempt, AttemptQuestion | None, Question | None]:
    """The attempt and, when ``position`` is its open question, that question; else Nones.

    With ``late_ok`` a question past its deadline is still returned, so the caller can record
    the late answer as a timeout.
    """
    attempt = await owned(session, worker_id=worker_id, attempt_id=attempt_id)
    if attempt.status != AttemptStatus.ACTIVE or attempt.current_position != position:
        return attempt, None, None
    aq, question = await attempt_question(session, attempt_id=attempt_id, position=position)
    if aq.status != AnswerStatus.PENDING or aq.presented_at is None:
        return attempt, None, None
    late = aq.deadline_at is not None and clock() > aq.deadline_at
    if late and not late_ok:
        return attempt, None, None
    return attempt, aq, question


# --- presenting ----------------------------------------------------------------------------


async def present(
    session: AsyncSession, *, attempt: Attempt, now: datetime, tz: str
) -> QuestionView:
    """The current question; the first time it is shown its clock starts (presented_at)."""
    aq, question = await attempt_question(
        session, attempt_id=int(attempt.id or 0), position=attempt.current_position
    )
    competition, rules = await competition_rules(session, attempt)
    if aq.presented_at is None:
        # Set without marking the row dirty: the conditional UPDATE is the only write.
        set_committed_value(aq, "presented_at", now)
        set_committed_value(aq, "deadline_at", question_deadline(attempt, rules, now))
        await session.execute(
            update(AttemptQuestion)
            .where(col(AttemptQuestion.id) == aq.id, col(AttemptQuestion.presented_at).is_(None))
            .values(presented_at=aq.presented_at, deadline_at=aq.deadline_at)
        )
        if attempt.kind == AttemptKind.PRACTICE:  # what practice prefers not to repeat
            await practice.mark_seen(
                session, worker_id=attempt.worker_id, question_id=aq.question_id, now=now
            )
    return build_view(attempt, aq, question, competition, rules, timezone=tz)


def question_deadline(
    attempt: Attempt, rules: CompetitionRules | None, now: datetime
) -> datetime | None:
    """Per-question limit and the attempt's total limit: the earlier wins."""
    if rules is None:  # practice: no clock per question
        return None
    limit = now + timedelta(seconds=rules.question_time_limit_s)
    return min(limit, attempt.deadline_at) if attempt.deadline_at else limit


async def show_current(
    session: AsyncSession, *, worker_id: int, attempt_id: int, clock: Clock, tz: str
) -> QuestionView | Summary:
    """The question the worker is on (presenting it starts its clock), or the summary."""
    attempt = await owned(session, worker_id=worker_id, attempt_id=attempt_id)
    await catch_up(session, attempt=attempt, clock=clock, tz=tz)
    if attempt.status != AttemptStatus.ACTIVE:
        await session.commit()
        return await summary(session, attempt_id=attempt_id, clock=clock, tz=tz)
    view = await present(session, attempt=attempt, now=clock(), tz=tz)
    await session.commit()
    return view


async def closed_step(session: AsyncSession, *, attempt: Attempt, clock: Clock, tz: str) -> Step:
    """'This question is closed', and where the worker is now."""
    current = await show_current(
        session, worker_id=attempt.worker_id, attempt_id=int(attempt.id or 0), clock=clock, tz=tz
    )
    if isinstance(current, Summary):
        return Step(outcome="closed", summary=current, attempt_id=attempt.id)
    return Step(outcome="closed", next=current, attempt_id=attempt.id)


# --- recording -----------------------------------------------------------------------------


async def record(
    session: AsyncSession,
    *,
    aq: AttemptQuestion,
    attempt: Attempt,
    now: datetime,
    response: Any,
    elapsed_ms: int,
    values: dict[str, Any],
) -> bool:
    """The one conditional write that makes an answer count once; then the attempt totals."""
    result = await session.execute(
        update(AttemptQuestion)
        .where(
            col(AttemptQuestion.id) == aq.id, col(AttemptQuestion.status) == AnswerStatus.PENDING
        )
        .values(answered_at=now, response=response, elapsed_ms=elapsed_ms, **values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False  # a double tap or a replay was first: nothing was written
    totals = (
        await session.execute(
            update(Attempt)
            .where(col(Attempt.id) == attempt.id)
            .values(
                current_position=aq.position + 1,
                score=col(Attempt.score) + values["score"],
                correct_count=col(Attempt.correct_count) + (1 if values["correct"] else 0),
                time_used_ms=col(Attempt.time_used_ms) + elapsed_ms,
            )
            .returning(
                col(Attempt.current_position),
                col(Attempt.score),
                col(Attempt.correct_count),
                col(Attempt.time_used_ms),
            )
        )
    ).one()
    for name, value in totals._mapping.items():  # the new totals, without another SELECT
        set_committed_value(attempt, name, value)
    return True


async def finish(
    session: AsyncSession, *, attempt: Attempt, status: AttemptStatus, now: datetime, clock: Clock
) -> None:
    """Close the attempt: pending questions become timeouts, the standing is brought up to date."""
    await session.execute(
        update(AttemptQuestion)
        .where(
            col(AttemptQuestion.attempt_id) == attempt.id,
            col(AttemptQuestion.status) == AnswerStatus.PENDING,
        )
        .values(**TIMEOUT)
    )
    result = await session.execute(
        update(Attempt)
        .where(col(Attempt.id) == attempt.id, col(Attempt.status) == AttemptStatus.ACTIVE)
        .values(status=status, finished_at=now, current_position=attempt.question_count)
    )
    await session.refresh(attempt)
    if result.rowcount == 1:  # type: ignore[attr-defined]
        await record_attempt_progress(session, attempt=attempt, clock=clock)


async def catch_up(session: AsyncSession, *, attempt: Attempt, clock: Clock, tz: str) -> None:
    """Apply deadlines that passed while nobody was looking (lazily, when the worker acts)."""
    now = clock()
    if attempt.status != AttemptStatus.ACTIVE:
        return
    if attempt.deadline_at is not None and now >= attempt.deadline_at:
        await finish(session, attempt=attempt, status=AttemptStatus.EXPIRED, now=now, clock=clock)
        return
    aq, _ = await attempt_question(
        session, attempt_id=int(attempt.id or 0), position=attempt.current_position
    )
    if aq.status != AnswerStatus.PENDING or aq.deadline_at is None or now <= aq.deadline_at:
        return
    elapsed = int((aq.deadline_at - (aq.presented_at or aq.deadline_at)).total_seconds() * 1000)
    if not await record(
        session, aq=aq, attempt=attempt, now=now, response=None, elapsed_ms=elapsed, values=TIMEOUT
    ):
        return
    if attempt.current_position >= attempt.question_count:
        await finish(session, attempt=attempt, status=AttemptStatus.FINISHED, now=now, clock=clock)
    else:
        # The next question's clock starts now that the worker is back; the attempt's own
        # deadline still bounds the whole run.
        await record_attempt_progress(session, attempt=attempt, clock=clock)
        await present(session, attempt=attempt, now=now, tz=tz)


async def expire_overdue(session: AsyncSession, *, clock: Clock) -> int:
    """Close every active attempt past its deadline (the scheduler calls this); the count."""
    now = clock()
    overdue = (
        await session.execute(
            select(Attempt).where(
                col(Attempt.status) == AttemptStatus.ACTIVE, col(Attempt.deadline_at) <= now
            )
        )
    ).scalars()
    count = 0
    for attempt in list(overdue):
        await finish(session, attempt=attempt, status=AttemptStatus.EXPIRED, now=now, clock=clock)
        count += 1
    await session.commit()
    return count


async def active_attempt(
    session: AsyncSession, *, worker_id: int, clock: Clock, tz: str = "Asia/Shanghai"
) -> Attempt | None:
    """The worker's unfinished attempt, after closing one that ran past its deadline."""
    attempt = (
        await session.execute(
            select(Attempt)
            .where(col(Attempt.worker_id) == worker_id, col(Attempt.status) == AttemptStatus.ACTIVE)
            .order_by(col(Attempt.id).desc())
            .limit(1)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if attempt is None:
        return None
    await catch_up(session, attempt=attempt, clock=clock, tz=tz)
    await session.commit()
    return attempt if attempt.status == AttemptStatus.ACTIVE else None


async def summary(session: AsyncSession, *, attempt_id: int, clock: Clock, tz: str) -> Summary:
    """Score, correct count, time used and, for a competition, the current rank."""
    attempt = await session.get(Attempt, attempt_id, populate_existing=True)
    if attempt is None:
        raise ContestError("attempt_not_found")
    competition, rules = await competition_rules(session, attempt)
    rank = None
    attempts_left = None
    if competition is not None and rules is not None:
        rank = await individual_rank(
            session, competition_id=int(competition.id or 0), worker_id=attempt.worker_id
        )
        used = attempt.number
        attempts_left = max(rules.attempts_allowed - used, 0)
    worker = await session.get(Worker, attempt.worker_id)
    streak = practice.current_streak(worker, now=clock(), tz=tz) if worker else 0
    return Summary(
        attempt_id=attempt_id,
        kind=AttemptKind(attempt.kind),
        status=AttemptStatus(attempt.status),
        title=competition.name if competition else "",
        score=attempt.score,
        correct_count=attempt.correct_count,
        question_count=attempt.question_count,
        time_used_ms=attempt.time_used_ms,
        rank=rank,
        attempts_left=attempts_left,
        streak=streak,
        competition_id=attempt.competition_id,
    )


async def remember_message(
    session: AsyncSession, *, attempt_id: int, chat_id: int, message_id: int
) -> None:
    """Which chat message shows the attempt now, so a reply or later step finds it."""
    await session.execute(
        update(Attempt)
        .where(col(Attempt.id) == attempt_id)
        .values(chat_id=chat_id, message_id=message_id)
    )
    await session.commit()
