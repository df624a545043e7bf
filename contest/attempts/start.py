"""Starting an attempt (开始答题): a competition's numbered attempt or a practice round.

The paper is drawn and stored with each worker's own option order, then its first question
is presented. Two taps at once start one attempt: the database's unique index refuses the
second, which then shows the first.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest import practice_rounds as practice
from contest.attempts.comeback import active_attempt, latest_active, show_current, still_active
from contest.attempts.days import attempts_today, day_start
from contest.attempts.state import attempt_question, finish, present
from contest.competitions import accepts_answers
from contest.errors import ContestError
from contest.mistakes import mistake_questions
from contest.models import (
    Attempt,
    AttemptKind,
    AttemptQuestion,
    AttemptStatus,
    Competition,
    Worker,
)
from contest.papers import paper_for
from contest.quizview import QuestionView, Summary
from contest.rules import rules_of
from contest.standings import enter_standing
from quizbank.grading import shuffled_order
from quizbank.models import CHOICE_TYPES, Question, QuestionType
from quizbank.question_draw import CannotDraw
from storage.ids import id_of
from storage.types import Clock


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
    worker_id = id_of(worker)
    competition = await session.get(Competition, competition_id)
    if competition is None:
        raise ContestError("competition_not_found", competition_id=competition_id)
    if not accepts_answers(competition, now=now):
        raise ContestError("competition_not_open", name=competition.name)
    current = await latest_active(session, worker_id=worker_id)
    if current is not None and current.competition_id == competition_id:
        return await show_current(  # it says what the worker missed meanwhile
            session, worker_id=worker_id, attempt_id=id_of(current), clock=clock, tz=tz
        )
    current = await still_active(session, attempt=current, clock=clock)
    if current is not None and current.kind != AttemptKind.PRACTICE:  # competition, 加赛
        raise ContestError("attempt_in_progress")
    rules = rules_of(competition)
    used = await session.scalar(
        select(func.count())
        .select_from(Attempt)
        .where(col(Attempt.worker_id) == worker_id, col(Attempt.competition_id) == competition_id)
    )
    if (used or 0) >= rules.attempts_allowed:
        # A second tap that counted the first one's attempt (committed in between): resume it.
        again = await latest_active(session, worker_id=worker_id)
        if again is not None and again.competition_id == competition_id:
            return await show_current(
                session, worker_id=worker_id, attempt_id=id_of(again), clock=clock, tz=tz
            )
        raise ContestError(
            "no_attempts_left", allowed=rules.attempts_allowed, count=rules.attempts_allowed
        )
    if rules.attempts_per_day is not None:
        await _within_today(
            session,
            worker_id=worker_id,
            competition=competition,
            per_day=rules.attempts_per_day,
            now=now,
        )
    seed = random.SystemRandom().randrange(2**31)
    try:  # a same paper is computed once per competition; a random one worth the same
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
    session: AsyncSession,
    *,
    worker_id: int,
    competition: Competition,
    per_day: int,
    now: datetime,
) -> None:
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
    worker_id = id_of(worker)
    current = await active_attempt(session, worker_id=worker_id, clock=clock)
    if current is not None and current.kind != AttemptKind.PRACTICE:
        raise ContestError("attempt_in_progress")
    if current is not None:
        return await show_current(
            session, worker_id=worker_id, attempt_id=id_of(current), clock=clock, tz=tz
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
    current = await active_attempt(session, worker_id=worker_id, clock=clock)
    if current is None:
        raise ContestError("attempt_in_progress")
    return await show_current(
        session, worker_id=worker_id, attempt_id=id_of(current), clock=clock, tz=tz
    )


async def present_first(
    session: AsyncSession, *, attempt: Attempt, clock: Clock, tz: str
) -> QuestionView:
    first = await attempt_question(session, attempt_id=id_of(attempt), position=0)
    return await present(session, attempt=attempt, now=clock(), tz=tz, loaded=first)


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
                "attempt_id": id_of(attempt),
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
