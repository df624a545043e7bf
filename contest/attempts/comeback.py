"""Coming back to an attempt: deadlines that passed while nobody looked, and what they did.

Deadlines are applied lazily, when the worker acts again (and by the scheduler's
:func:`expire_overdue`). Whatever changed meanwhile is handed back with the screen the
worker sees next, so the edge can say it: a question that ran out of time (超时, with the
correct answer where the rules show answers during the competition), or an attempt that
ended because its time ran out, the competition closed, or a practice round was left
alone too long.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest import practice_rounds as practice
from contest.attempts.days import attempts_today
from contest.attempts.state import (
    attempt_question,
    competition_rules,
    finish,
    owned,
    present,
    record,
)
from contest.competitions import accepts_answers
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
from contest.quizview import TIMEOUT, Feedback, QuestionView, Step, Summary, feedback_for
from contest.ranking import individual_rank
from contest.rules import CompetitionRules
from contest.standings import record_standing
from storage.ids import id_of
from storage.types import Clock

ENDED_TIME_UP = "time_up"  # the attempt's own time ran out
ENDED_CLOSED = "closed"  # the competition closed (at its end, or early by an organiser)
ENDED_ABANDONED = "abandoned"  # a practice round left unanswered too long


def takes_answers(attempt: Attempt, competition: Competition | None, *, now: datetime) -> bool:
    """Whether the attempt may still be answered as far as its competition goes: a 加赛 runs
    after the close (its own deadline ends it), everything else while the competition is open."""
    if competition is None or attempt.kind == AttemptKind.PLAYOFF:
        return True
    return accepts_answers(competition, now=now)


async def catch_up(
    session: AsyncSession, *, attempt: Attempt, clock: Clock
) -> tuple[Feedback, ...]:
    """Apply deadlines that passed while nobody was looking; the questions that timed out.

    An attempt of a competition that no longer accepts answers, or past its own deadline,
    ends (its unanswered questions become timeouts). Otherwise an overdue question times
    out, and the next one waits, unpresented, for the worker to see it: its clock starts
    only when it is shown.
    """
    now = clock()
    if attempt.status != AttemptStatus.ACTIVE:
        return ()
    competition, rules = await competition_rules(session, attempt)
    over = attempt.deadline_at is not None and now >= attempt.deadline_at
    if over or not takes_answers(attempt, competition, now=now):
        await finish(session, attempt=attempt, status=AttemptStatus.EXPIRED, now=now, rules=rules)
        return ()
    aq, question = await attempt_question(
        session, attempt_id=id_of(attempt), position=attempt.current_position
    )
    if aq.status != AnswerStatus.PENDING or aq.deadline_at is None or now <= aq.deadline_at:
        return ()
    elapsed = int((aq.deadline_at - (aq.presented_at or aq.deadline_at)).total_seconds() * 1000)
    if not await record(
        session, aq=aq, attempt=attempt, now=now, response=None, elapsed_ms=elapsed, marks=TIMEOUT
    ):
        return ()
    missed = (feedback_for(question, aq, TIMEOUT, rules, late=True),)
    if attempt.current_position >= attempt.question_count:
        await finish(session, attempt=attempt, status=AttemptStatus.FINISHED, now=now, rules=rules)
    elif rules is not None:
        await record_standing(session, attempt=attempt, rules=rules, now=now)
    return missed


async def show_current(
    session: AsyncSession, *, worker_id: int, attempt_id: int, clock: Clock, tz: str
) -> QuestionView | Summary:
    """The question the worker is on (presenting it starts its clock), or the summary;
    either carries what the worker missed since they last looked."""
    attempt = await owned(session, worker_id=worker_id, attempt_id=attempt_id)
    missed = await catch_up(session, attempt=attempt, clock=clock)
    if attempt.status != AttemptStatus.ACTIVE:
        done = await summary(session, attempt_id=attempt_id, clock=clock, tz=tz)
        return replace(done, missed=missed)
    view = await present(session, attempt=attempt, now=clock(), tz=tz)
    return replace(view, missed=missed) if missed else view


async def closed_step(session: AsyncSession, *, attempt: Attempt, clock: Clock, tz: str) -> Step:
    """'This question is closed', and where the worker is now."""
    current = await show_current(
        session, worker_id=attempt.worker_id, attempt_id=id_of(attempt), clock=clock, tz=tz
    )
    if isinstance(current, Summary):
        return Step(outcome="closed", summary=current, attempt_id=attempt.id)
    return Step(outcome="closed", next=current, attempt_id=attempt.id)


async def latest_active(session: AsyncSession, *, worker_id: int) -> Attempt | None:
    """The worker's active attempt as stored (no deadline applied yet)."""
    return (
        await session.execute(
            select(Attempt)
            .where(col(Attempt.worker_id) == worker_id, col(Attempt.status) == AttemptStatus.ACTIVE)
            .order_by(col(Attempt.id).desc())
            .limit(1)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def active_attempt(session: AsyncSession, *, worker_id: int, clock: Clock) -> Attempt | None:
    """The worker's unfinished attempt, after closing one that ran past its deadline."""
    return await still_active(
        session, attempt=await latest_active(session, worker_id=worker_id), clock=clock
    )


async def still_active(
    session: AsyncSession, *, attempt: Attempt | None, clock: Clock
) -> Attempt | None:
    """``attempt`` once its deadlines are applied, unless that ended it."""
    if attempt is None:
        return None
    await catch_up(session, attempt=attempt, clock=clock)
    return attempt if attempt.status == AttemptStatus.ACTIVE else None


async def last_ended(
    session: AsyncSession, *, worker_id: int, clock: Clock, tz: str
) -> Summary | None:
    """The summary of the worker's latest attempt when it ended without them (expired)."""
    latest = (
        await session.execute(
            select(Attempt)
            .where(col(Attempt.worker_id) == worker_id)
            .order_by(col(Attempt.id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if latest is None or latest.status != AttemptStatus.EXPIRED:
        return None
    return await summary(session, attempt_id=id_of(latest), clock=clock, tz=tz)


async def expire_overdue(session: AsyncSession, *, clock: Clock) -> int:
    """Close every active attempt past its deadline (the scheduler calls this and commits);
    the count."""
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
        await finish(session, attempt=attempt, status=AttemptStatus.EXPIRED, now=now)
        count += 1
    return count


async def summary(
    session: AsyncSession,
    *,
    attempt_id: int,
    clock: Clock,
    tz: str,
    known: tuple[Attempt, Competition | None, CompetitionRules | None] | None = None,
) -> Summary:
    """Score, correct count, time used, for a competition the current rank, and for an
    attempt that expired why it ended and how many questions were left unanswered; for a
    practice round the worker's streak (0 for the others, which do not show one).

    ``known`` is the attempt as just written, with its competition and rules, when the
    caller has them (the last answer of a paper): they are not read again.
    """
    if known is not None:
        attempt, competition, rules = known
    else:
        loaded = await session.get(Attempt, attempt_id)
        if loaded is None:
            raise ContestError("attempt_not_found")
        attempt = loaded
        competition, rules = await competition_rules(session, attempt)
    rank = None
    attempts_left = None
    if competition is not None and rules is not None:
        rank = await individual_rank(
            session, competition_id=id_of(competition), worker_id=attempt.worker_id, rules=rules
        )
        if attempt.kind == AttemptKind.COMPETITION:  # a play-off leaves none to take
            attempts_left = max(rules.attempts_allowed - attempt.number, 0)
            if rules.attempts_per_day is not None:
                today = await attempts_today(
                    session, worker_id=attempt.worker_id, competition=competition, now=clock()
                )
                attempts_left = min(attempts_left, max(rules.attempts_per_day - today, 0))
    streak = 0
    if attempt.kind == AttemptKind.PRACTICE:
        worker = await session.get(Worker, attempt.worker_id)
        streak = practice.current_streak(worker, now=clock(), tz=tz) if worker else 0
    ended, unanswered = None, 0
    if attempt.status == AttemptStatus.EXPIRED:
        ended = _end_reason(attempt, competition)
        unanswered = await _unanswered(session, attempt_id=attempt_id)
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
        ended=ended,
        unanswered=unanswered,
        precision=rules.precision if rules is not None else 2,
    )


def _end_reason(attempt: Attempt, competition: Competition | None) -> str:
    if competition is None:
        return ENDED_ABANDONED
    if attempt.kind == AttemptKind.PLAYOFF:  # it runs after the close: only its time ends it
        return ENDED_TIME_UP
    finished = attempt.finished_at
    if finished is not None and finished >= competition.ends_at:
        return ENDED_CLOSED  # closing early moves ends_at to the moment it closed
    return ENDED_TIME_UP


async def _unanswered(session: AsyncSession, *, attempt_id: int) -> int:
    """Questions closed as timeouts when the attempt ended, never answered or timed out."""
    count = await session.scalar(
        select(func.count())
        .select_from(AttemptQuestion)
        .where(
            col(AttemptQuestion.attempt_id) == attempt_id,
            col(AttemptQuestion.status) == AnswerStatus.TIMEOUT,
            col(AttemptQuestion.answered_at).is_(None),
        )
    )
    return int(count or 0)
