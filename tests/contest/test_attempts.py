"""The quiz state machine against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest import attempts
from contest.errors import ContestError
from contest.models import (
    AnswerStatus,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    PracticeDay,
    Standing,
    Worker,
)
from contest.quizview import QuestionView, Summary
from contest.rules import CompetitionRules
from quizbank.models import QuestionType
from tests.bot.fixtures import add_bank, add_competition, add_worker, right_answer
from tests.conftest import MovableClock
from tests.turns import turn

TZ = "Asia/Shanghai"


async def _setup(session: AsyncSession, clock: MovableClock, **rules: object):
    await add_bank(session)
    competition = await add_competition(session, clock, **rules)
    worker = await add_worker(session, clock)
    return competition, worker


async def _answer_right(session, session_factory, clock, view: QuestionView, worker_id: int):
    await session.commit()  # end the test's own reads: SQLite has one connection per process
    qtype, right = await right_answer(
        session_factory, attempt_id=view.attempt_id, position=view.position
    )
    if qtype is QuestionType.MULTIPLE:
        ticked = await turn(
            session,
            attempts.toggle_option(
                session,
                worker_id=worker_id,
                attempt_id=view.attempt_id,
                position=view.position,
                selection=right,
                clock=clock,
                tz=TZ,
            ),
        )
        assert isinstance(ticked, QuestionView) and list(ticked.selection) == right
        response = right
    elif qtype is QuestionType.SINGLE:
        response = right[0]
    elif qtype is QuestionType.TRUE_FALSE:
        response = int(right)
    else:
        response = [right]
    return await turn(
        session,
        attempts.answer(
            session,
            worker_id=worker_id,
            attempt_id=view.attempt_id,
            position=view.position,
            response=response,
            clock=clock,
            tz=TZ,
        ),
    )


async def test_start_draws_the_composition_with_deadlines(session, clock):
    competition, worker = await _setup(session, clock)
    view = await turn(
        session,
        attempts.start_competition(
            session, worker=worker, competition_id=competition.id, clock=clock, tz=TZ
        ),
    )
    assert isinstance(view, QuestionView)
    assert (view.position, view.total) == (0, 5)
    assert view.deadline_at == clock() + timedelta(seconds=30)
    rows = (await session.execute(select(AttemptQuestion))).scalars().all()
    types = sorted(len(r.option_order) for r in rows)
    assert types == [0, 0, 4, 4, 4]  # choice questions carry a per-worker option order


async def test_whole_competition_scores_and_ranks(session, session_factory, clock):
    competition, worker = await _setup(session, clock)
    item = await turn(
        session,
        attempts.start_competition(
            session, worker=worker, competition_id=competition.id, clock=clock, tz=TZ
        ),
    )
    step = None
    while isinstance(item, QuestionView):
        clock.advance(seconds=5)
        step = await _answer_right(session, session_factory, clock, item, worker.id)
        assert step.outcome == "scored" and step.feedback.correct
        item = step.next or step.summary
    assert isinstance(item, Summary)
    assert item.correct_count == 5 and item.score == 2 + 2 + 3 + 1 + 2
    assert item.time_used_ms == 25_000
    assert item.rank is not None and item.rank.rank == 1
    standing = await session.get(Standing, (competition.id, worker.id))
    assert standing is not None and standing.score == 10


async def test_double_tap_scores_once(session, session_factory, clock):
    competition, worker = await _setup(session, clock, composition=[{"type": "判断", "count": 2}])
    view = await turn(
        session,
        attempts.start_competition(
            session, worker=worker, competition_id=competition.id, clock=clock, tz=TZ
        ),
    )
    first = await _answer_right(session, session_factory, clock, view, worker.id)
    again = await _answer_right(session, session_factory, clock, view, worker.id)
    assert first.outcome == "scored" and again.outcome == "closed"
    attempt = await session.get(Attempt, view.attempt_id, populate_existing=True)
    assert attempt.current_position == 1 and attempt.score == first.feedback.score


async def test_late_answer_is_a_timeout_worth_nothing(session, session_factory, clock):
    competition, worker = await _setup(session, clock, composition=[{"type": "单选", "count": 2}])
    view = await turn(
        session,
        attempts.start_competition(
            session, worker=worker, competition_id=competition.id, clock=clock, tz=TZ
        ),
    )
    clock.advance(seconds=31)
    step = await _answer_right(session, session_factory, clock, view, worker.id)
    assert step.outcome == "timeout" and step.feedback.score == 0
    aq = (
        await session.execute(select(AttemptQuestion).where(AttemptQuestion.position == 0))
    ).scalar_one()
    assert aq.status == AnswerStatus.TIMEOUT and aq.score == 0


async def test_total_limit_caps_the_question_deadline(session, clock):
    competition, worker = await _setup(session, clock, total_time_limit_s=20)
    view = await turn(
        session,
        attempts.start_competition(
            session, worker=worker, competition_id=competition.id, clock=clock, tz=TZ
        ),
    )
    assert view.deadline_at == clock() + timedelta(seconds=20)


async def test_empty_multiple_submit_changes_nothing(session, clock):
    competition, worker = await _setup(
        session, clock, composition=[{"type": "multiple", "count": 1}]
    )
    view = await turn(
        session,
        attempts.start_competition(
            session, worker=worker, competition_id=competition.id, clock=clock, tz=TZ
        ),
    )
    step = await turn(
        session,
        attempts.answer(
            session,
            worker_id=worker.id,
            attempt_id=view.attempt_id,
            position=0,
            response=None,
            clock=clock,
            tz=TZ,
        ),
    )
    assert step.outcome == "empty"


async def test_forged_attempt_of_another_worker_is_refused(session, clock):
    competition, worker = await _setup(session, clock)
    other = await add_worker(session, clock, telegram_id=2002, name="李四")
    view = await turn(
        session,
        attempts.start_competition(
            session, worker=worker, competition_id=competition.id, clock=clock, tz=TZ
        ),
    )
    with pytest.raises(ContestError) as caught:
        await attempts.answer(
            session,
            worker_id=other.id,
            attempt_id=view.attempt_id,
            position=0,
            response=0,
            clock=clock,
            tz=TZ,
        )
    assert caught.value.code == "not_your_attempt"


async def test_attempts_allowed_is_enforced(session, clock):
    competition, worker = await _setup(session, clock)
    await turn(
        session,
        attempts.start_competition(
            session, worker=worker, competition_id=competition.id, clock=clock, tz=TZ
        ),
    )
    clock.advance(hours=1)
    assert await turn(session, attempts.expire_overdue(session, clock=clock)) == 1
    with pytest.raises(ContestError) as caught:
        await attempts.start_competition(
            session, worker=worker, competition_id=competition.id, clock=clock, tz=TZ
        )
    assert caught.value.code == "no_attempts_left"


async def test_abandoned_attempt_expires_with_timeouts(session, clock):
    competition, worker = await _setup(session, clock)
    view = await turn(
        session,
        attempts.start_competition(
            session, worker=worker, competition_id=competition.id, clock=clock, tz=TZ
        ),
    )
    clock.advance(minutes=10)
    await turn(session, attempts.expire_overdue(session, clock=clock))
    attempt = await session.get(Attempt, view.attempt_id, populate_existing=True)
    assert attempt.status == AttemptStatus.EXPIRED
    pending = await session.scalar(
        select(func.count())
        .select_from(AttemptQuestion)
        .where(AttemptQuestion.status == AnswerStatus.PENDING)
    )
    assert pending == 0


async def test_closed_competition_accepts_no_start(session, clock):
    competition, worker = await _setup(session, clock)
    clock.advance(days=8)
    with pytest.raises(ContestError) as caught:
        await attempts.start_competition(
            session, worker=worker, competition_id=competition.id, clock=clock, tz=TZ
        )
    assert caught.value.code == "competition_not_open"


async def test_practice_gives_answers_and_keeps_a_streak(
    session: AsyncSession, session_factory: async_sessionmaker, clock: MovableClock
):
    await add_bank(session)
    worker = await add_worker(session, clock)
    seen: set[int] = set()
    for day in range(3):
        view = await turn(
            session, attempts.start_practice(session, worker=worker, clock=clock, tz=TZ)
        )
        while isinstance(view, QuestionView):
            seen.add(view.attempt_id * 100 + view.position)
            step = await _answer_right(session, session_factory, clock, view, worker.id)
            assert step.feedback.answer is not None and step.paused != (step.summary is not None)
            view = await turn(
                session,
                attempts.show_current(
                    session, worker_id=worker.id, attempt_id=view.attempt_id, clock=clock, tz=TZ
                ),
            )
        assert view.streak == day + 1
        clock.advance(days=1)
    refreshed = await session.get(Worker, worker.id, populate_existing=True)
    assert refreshed.practice_streak == 3
    days = (await session.execute(select(PracticeDay))).scalars().all()
    assert len(days) == 3 and all(d.answered == 5 and d.correct == 5 for d in days)


async def test_practice_prefers_unseen_questions(session, session_factory, clock):
    ids = await add_bank(session)
    worker = await add_worker(session, clock)
    drawn: list[int] = []
    for _ in range(2):
        view = await turn(
            session, attempts.start_practice(session, worker=worker, clock=clock, tz=TZ)
        )
        rows = (
            (
                await session.execute(
                    select(AttemptQuestion.question_id).where(
                        AttemptQuestion.attempt_id == view.attempt_id
                    )
                )
            )
            .scalars()
            .all()
        )
        drawn += rows
        # every question of the round is seen once it is shown; walk it to the end
        while isinstance(view, QuestionView):
            await _answer_right(session, session_factory, clock, view, worker.id)
            view = await turn(
                session,
                attempts.show_current(
                    session, worker_id=worker.id, attempt_id=view.attempt_id, clock=clock, tz=TZ
                ),
            )
        clock.advance(minutes=1)
    assert sorted(drawn) == sorted(ids)  # 10 questions, two rounds of 5, no repeats


async def test_attempts_per_day_reset_at_local_midnight(session, clock):
    """每天可答 2 次: a third start the same (Shanghai) day is refused; the next day allows two
    more, and the best attempt counts."""
    competition, worker = await _setup(
        session, clock, attempts_allowed=10, attempts_per_day=2, counting="best",
        composition=[{"type": "判断", "count": 1}],
    )  # fmt: skip
    clock.set(datetime(2026, 9, 1, 15, 30, tzinfo=UTC))  # 23:30 in Shanghai
    for _ in range(2):
        view = await turn(
            session,
            attempts.start_competition(
                session, worker=worker, competition_id=competition.id, clock=clock, tz=TZ
            ),
        )
        await turn(
            session,
            attempts.answer(
                session,
                worker_id=worker.id,
                attempt_id=view.attempt_id,
                position=0,
                response=1,
                clock=clock,
                tz=TZ,
            ),
        )
    with pytest.raises(ContestError) as caught:
        await attempts.start_competition(
            session, worker=worker, competition_id=competition.id, clock=clock, tz=TZ
        )
    assert caught.value.code == "no_attempts_today" and caught.value.params == {"per_day": 2}
    clock.set(datetime(2026, 9, 1, 16, 1, tzinfo=UTC))  # 00:01 the next day in Shanghai
    view = await turn(
        session,
        attempts.start_competition(
            session, worker=worker, competition_id=competition.id, clock=clock, tz=TZ
        ),
    )
    step = await turn(
        session,
        attempts.answer(
            session,
            worker_id=worker.id,
            attempt_id=view.attempt_id,
            position=0,
            response=1,
            clock=clock,
            tz=TZ,
        ),
    )
    assert step.summary is not None and step.summary.attempts_left == 1  # 2 a day, 1 used
    assert (await session.scalar(select(func.count()).select_from(Attempt))) == 3


def test_attempts_per_day_cannot_exceed_the_total() -> None:
    with pytest.raises(ValueError, match="attempts_per_day"):
        CompetitionRules.model_validate(
            {"composition": [{"type": "判断", "count": 1}], "attempts_per_day": 3}
        )
