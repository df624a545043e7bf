"""Fair time: a tap is timed from when it reached the bot, a question from when Telegram
accepted it (docs/scoring.md, "Time, fairly measured").

Driven through the production intake with a movable clock: a busy process, a slow Bot API
and a question Telegram never took must cost the worker nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.inbox import Arrival
from bot.intake import Intake
from contest.models import AnswerStatus, AttemptQuestion
from tests.bot.fixtures import add_bank, add_competition, add_worker
from tests.fakes.crowd import Person
from tests.fakes.telegram import FakeTelegram

LIMIT_S = 30


@pytest.fixture
async def person(session, clock, api: FakeTelegram) -> Person:
    await add_bank(session)
    await add_competition(
        session, clock, name="计时赛", composition=[{"type": "单选", "count": 3}],
        question_time_limit_s=LIMIT_S,
    )  # fmt: skip
    worker = await add_worker(session, clock, telegram_id=81_001, name="李四")
    return Person(api, int(worker.telegram_id or 0), "李四")


async def _send(intake: Intake, update: dict, received_at) -> None:
    await intake.receive([Arrival(update["update_id"], update, received_at)])
    await intake.idle()


async def _start(intake: Intake, person: Person, clock) -> None:
    await _send(intake, person.says("/quiz"), clock())
    await _send(intake, person.taps("计时赛"), clock())


async def _question(session, position: int) -> AttemptQuestion:
    session.expire_all()
    return (
        await session.execute(select(AttemptQuestion).where(AttemptQuestion.position == position))
    ).scalar_one()


async def test_a_tap_that_waited_in_a_busy_process_is_timed_from_its_arrival(
    person: Person, intake: Intake, clock, session
) -> None:
    await _start(intake, person, clock)
    shown = (await _question(session, 0)).presented_at
    assert shown == clock()
    clock.advance(seconds=LIMIT_S - 5)
    tap, arrived = person.taps("A"), clock()
    clock.advance(seconds=20)  # the process gets to it after the question's deadline
    await _send(intake, tap, arrived)
    first = await _question(session, 0)
    assert first.status == AnswerStatus.ANSWERED
    assert first.elapsed_ms == (LIMIT_S - 5) * 1000
    # The next question's clock started when its message went out, not at the tap.
    second = await _question(session, 1)
    assert second.presented_at == clock()
    assert second.deadline_at == clock() + timedelta(seconds=LIMIT_S)
    # A tap that really arrived after the deadline is a timeout, however fast it is handled.
    clock.advance(seconds=LIMIT_S + 1)
    await _send(intake, person.taps("A"), clock())
    assert (await _question(session, 1)).status == AnswerStatus.TIMEOUT


async def test_a_question_s_clock_starts_when_telegram_accepted_it(
    person: Person, intake: Intake, api: FakeTelegram, clock, session
) -> None:
    accepted = api.take_time(clock, seconds=4)
    await _start(intake, person, clock)
    first = await _question(session, 0)
    assert first.presented_at == accepted[-1]
    assert first.deadline_at == accepted[-1] + timedelta(seconds=LIMIT_S)
    clock.advance(seconds=LIMIT_S - 1)  # 29 s after it was on the phone: still in time
    await _send(intake, person.taps("A"), clock())
    first = await _question(session, 0)
    assert first.status == AnswerStatus.ANSWERED
    assert first.elapsed_ms == (LIMIT_S - 1) * 1000
    assert (await _question(session, 1)).presented_at == accepted[-1]


async def test_a_question_telegram_never_took_has_not_started_its_clock(
    person: Person, intake: Intake, api: FakeTelegram, clock, session
) -> None:
    await _start(intake, person, clock)
    api.queue_error("editMessageText", 400, "Bad Request: message to edit not found")
    api.queue_error("sendMessage", 400, "Bad Request: chat not found")
    await _send(intake, person.taps("A"), clock())
    assert (await _question(session, 0)).status == AnswerStatus.ANSWERED
    assert (await _question(session, 1)).presented_at is None
    clock.advance(seconds=15)  # the worker comes back (within the attempt's own deadline)
    await _send(intake, person.says("/continue"), clock())
    second = await _question(session, 1)
    assert second.presented_at == clock()
    assert second.deadline_at == clock() + timedelta(seconds=LIMIT_S)
    clock.advance(seconds=10)
    await _send(intake, person.taps("A"), clock())
    second = await _question(session, 1)
    assert second.status == AnswerStatus.ANSWERED and second.elapsed_ms == 10_000
