"""A crowd, not one worker: a plant joins, registers, starts and answers in the same moment.

Every step is many simultaneous webhook POSTs through the production intake, with double
taps, on SQLite and PostgreSQL; afterwards the database must hold every worker once, one
attempt each and every answer once, and nobody may have read an error.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event, func, select

from bot.factory import create_bot, create_dispatcher
from bot.fsm_storage import DatabaseStorage
from bot.inbox import Arrival
from bot.intake import Intake
from bot.models import InboxStatus, InboxUpdate
from bot.webhook import build_webhook_app
from contest.models import AnswerStatus, Attempt, AttemptQuestion, Worker
from i18n import t
from storage.db import PoolSettings, create_engine, create_session_factory
from tests.bot.conftest import FAST_LIMITS
from tests.bot.fixtures import add_bank, add_competition, add_teams
from tests.fakes.crowd import Person, post_all
from tests.fakes.telegram import FakeTelegram

SECRET = "crowd-secret"
CROWD = 200


@pytest.fixture
async def plant(session, clock):
    """A bank, two teams, a two-question competition and a roster of CROWD workers."""
    await add_bank(session)
    one, _ = await add_teams(session)
    competition = await add_competition(
        session, clock, name="千人赛", composition=[{"type": "单选", "count": 2}]
    )
    session.add_all(
        Worker(real_name=f"工人{i:03d}", employee_no=f"E{i:03d}", team_id=one.id)
        for i in range(CROWD)
    )
    await session.commit()
    return {"competition": competition, "team": one}


async def test_a_plant_joins_registers_starts_and_answers_at_once(
    plant, intake: Intake, api: FakeTelegram, session
) -> None:
    people = [Person(api, 50_000 + i, f"工人{i:03d}") for i in range(CROWD)]
    app = build_webhook_app(intake, secret=SECRET)
    async with TestClient(TestServer(app)) as client:

        async def everyone(*updates_of) -> None:
            await post_all(client, SECRET, [u for p in people for make in updates_of
                                            for u in [make(p)]])  # fmt: skip
            await intake.idle(within=120)

        await everyone(lambda p: p.says("/start TEAM01"))
        await everyone(lambda p: p.says(f"E{p.id - 50_000:03d}"))
        its_me = t("start.button.its_me", "zh")
        await everyone(lambda p: p.taps(its_me), lambda p: p.taps(its_me))  # double tap
        await everyone(lambda p: p.says("/quiz"))
        await everyone(lambda p: p.taps("千人赛"), lambda p: p.taps("千人赛"))  # double tap
        await everyone(lambda p: p.taps("A"), lambda p: p.taps("A"))  # double tap

    workers = (await session.execute(select(Worker))).scalars().all()
    assert len(workers) == CROWD  # every roster worker claimed, nobody created twice
    assert {w.telegram_id for w in workers} == {p.id for p in people}
    assert all(w.registered_at and w.team_id == plant["team"].id for w in workers)
    per_worker = (
        await session.execute(select(Attempt.worker_id, func.count()).group_by(Attempt.worker_id))
    ).all()
    assert len(per_worker) == CROWD and {n for _, n in per_worker} == {1}
    first = (
        (await session.execute(select(AttemptQuestion).where(AttemptQuestion.position == 0)))
        .scalars()
        .all()
    )
    assert len(first) == CROWD and {q.status for q in first} == {AnswerStatus.ANSWERED}
    attempts = (await session.execute(select(Attempt))).scalars().all()
    assert {a.current_position for a in attempts} == {1}  # each answer counted once
    statuses = (
        await session.execute(select(InboxUpdate.status, func.count()).group_by(InboxUpdate.status))
    ).all()
    assert dict(statuses) == {InboxStatus.DONE: CROWD * 9}
    sorry = t("common.unknown_error", "zh")
    assert not [r for r in api.requests if sorry in str(r.params.get("text", ""))]


async def test_two_intakes_count_every_tap_once(
    plant, dp, bot, api: FakeTelegram, session_factory, clock, session, add_registered
) -> None:
    """Telegram retries an update to whichever process answers, and a worker's double tap
    can land on two processes at once, each with its own inbox owner and its own chat
    order. Neither a reply, an attempt nor a score is doubled. (Real processes on one
    PostgreSQL are in tests/e2e; here two intakes share the test's dispatcher.)"""
    one, two = (
        Intake(dp, bot, session_factory, instance=name, mode="webhook", clock=clock)
        for name in ("host-a:webhook:0", "host-b:webhook:1")
    )
    await one.start()
    await two.start()
    people = await add_registered(api, 40)
    competition = plant["competition"].id
    try:
        await one.receive([arrival(p.says("/quiz"), clock) for p in people])
        await one.idle()
        taps = []
        for p in people:
            retry = p.taps_data(f"c:{competition}")
            taps += [(one, retry), (two, retry), (two, p.taps_data(f"c:{competition}"))]
        await asyncio.gather(*(intake.receive([arrival(u, clock)]) for intake, u in taps))
        await asyncio.gather(one.idle(), two.idle())
        answers = []
        for p in people:
            tap = p.taps("A")
            answers += [(one, tap), (two, tap), (one, p.taps("A"))]
        await asyncio.gather(*(intake.receive([arrival(u, clock)]) for intake, u in answers))
        await asyncio.gather(one.idle(), two.idle())
    finally:
        await one.stop()
        await two.stop()
    per_worker = dict(
        (await session.execute(select(Attempt.worker_id, func.count()).group_by(Attempt.worker_id)))
        .tuples()
        .all()
    )
    assert len(per_worker) == len(people) and set(per_worker.values()) == {1}
    attempts = (await session.execute(select(Attempt))).scalars().all()
    assert {a.current_position for a in attempts} == {1}
    answered = await session.scalar(
        select(func.count())
        .select_from(AttemptQuestion)
        .where(AttemptQuestion.status == AnswerStatus.ANSWERED)
    )
    assert answered == len(people)
    # Each retried update was handled by one intake only: one toast per callback query.
    answered_queries = [r.params["callback_query_id"] for r in api.sent("answerCallbackQuery")]
    assert len(answered_queries) == len(set(answered_queries))


def arrival(update: dict, clock) -> Arrival:
    return Arrival(update["update_id"], update, clock())


@pytest.fixture
def add_registered(session, clock, plant):
    """Registered workers (no dialog), each a Person on the given fake Bot API."""

    async def add(api: FakeTelegram, n: int) -> list[Person]:
        people = [Person(api, 70_000 + i, f"快手{i}") for i in range(n)]
        session.add_all(
            Worker(telegram_id=p.id, real_name=f"快手{i}", registered_at=clock(),
                   team_id=plant["team"].id)
            for i, p in enumerate(people)
        )  # fmt: skip
        await session.commit()
        return people

    return add


async def test_quick_taps_on_a_multiple_choice_question_lose_none(
    plant, session, clock, intake: Intake, api: FakeTelegram, add_registered
) -> None:
    """Ticks travel in the keyboard: tapping fast (each tap on the keyboard the bot just
    drew) keeps every tick, and what is submitted is exactly what the worker saw ticked."""
    await add_competition(session, clock, name="多选赛", composition=[{"type": "多选", "count": 1}])
    (person,) = await add_registered(api, 1)
    for update in (lambda: person.says("/quiz"), lambda: person.taps("多选赛")):
        await intake.receive([arrival(update(), clock)])
        await intake.idle()
    for letter in "ABD":  # as fast as the keyboard comes back
        await intake.receive([arrival(person.taps(letter), clock)])
        await intake.idle()
    keyboard = [b["text"] for row in person.keyboard_message()["reply_markup"]["inline_keyboard"]
                for b in row]  # fmt: skip
    assert [label for label in keyboard if label.startswith("✅")] == ["✅ A", "✅ B", "✅ D"]
    # Two taps on the same, stale keyboard: the second one's keyboard is what shows.
    stale = person.keyboard_message()
    await intake.receive(
        [arrival(person.taps_data(_button(stale, "C"), stale), clock),
         arrival(person.taps_data(_button(stale, "D"), stale), clock)]
    )  # fmt: skip
    await intake.idle()
    shown = [b["text"] for row in person.keyboard_message()["reply_markup"]["inline_keyboard"]
             for b in row if b["text"].startswith("✅")]  # fmt: skip
    await intake.receive([arrival(person.taps(t("quiz.button.submit", "zh")), clock)])
    await intake.idle()
    row = (
        await session.execute(select(AttemptQuestion).where(AttemptQuestion.position == 0))
    ).scalar_one()
    assert row.status == AnswerStatus.ANSWERED
    order = row.option_order
    assert sorted(order[i] for i in (ord(s[-1]) - ord("A") for s in shown)) == row.response


async def test_the_bookkeeping_after_a_reply_rides_the_done_marks_transaction(
    plant, engine, clock, intake: Intake, api: FakeTelegram, add_registered
) -> None:
    """When Telegram accepted a question (its clock) is written with the update's done mark,
    one commit for a batch, not in a transaction of its own after every answer."""
    people = await add_registered(api, 6)
    for make in (lambda p: p.says("/quiz"), lambda p: p.taps("千人赛")):
        await intake.receive([arrival(make(p), clock) for p in people])
        await intake.idle()
    api.take_time(clock, seconds=0.5)  # so each question's clock moves when it is accepted
    transactions: list[list[str]] = []
    open_now: dict[int, list[str]] = {}  # a pool's connections run their transactions at once

    def statement(conn, _cursor, sql: str, *_args) -> None:
        key = id(conn.connection.dbapi_connection)
        if key not in open_now:
            transactions.append(open_now.setdefault(key, []))
        open_now[key].append(" ".join(sql.split()))

    def commit(conn) -> None:  # or a rollback: the transaction is over
        open_now.pop(id(conn.connection.dbapi_connection), None)

    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    event.listen(engine.sync_engine, "commit", commit)
    event.listen(engine.sync_engine, "rollback", commit)
    try:
        await intake.receive([arrival(p.taps("A"), clock) for p in people])
        await intake.idle()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", statement)
        event.remove(engine.sync_engine, "commit", commit)
        event.remove(engine.sync_engine, "rollback", commit)
    clocks = [tx for tx in transactions if any("SET presented_at" in sql for sql in tx)]
    answers = [tx for tx in clocks if any("SET answered_at" in sql for sql in tx)]
    batches = [tx for tx in clocks if any(sql.startswith("UPDATE inbox SET") for sql in tx)]
    assert len(answers) == len(people)  # each answer presents the next one (provisionally)
    assert batches and len(answers) + len(batches) == len(clocks), clocks
    moved = sum(sql.count("SET presented_at") for tx in batches for sql in tx)
    assert moved == len(people)  # every next question's clock moved to its acceptance
    async with engine.connect() as conn:
        second = await conn.execute(
            select(AttemptQuestion.presented_at, AttemptQuestion.deadline_at).where(
                AttemptQuestion.position == 1
            )
        )
        assert all(deadline - presented == timedelta(seconds=30) for presented, deadline in second)


def _button(message: dict, letter: str) -> str:
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if button["text"].endswith(letter):
                return str(button["callback_data"])
    raise AssertionError(letter)


async def test_an_overloaded_database_says_busy_keeps_the_tap_and_counts_it_once(
    plant, settings, database_url, session_factory, clock, session, add_registered
) -> None:
    """The handlers' only connection is taken for longer than an update may wait: the worker
    reads "busy, your tap is kept" once, the intake retries, the answer is stored once."""
    api = FakeTelegram()
    engine = create_engine(database_url, pool=PoolSettings(size=1, overflow=0, timeout=0.3))
    factory = create_session_factory(engine)
    bot = create_bot(settings, session=api, limits=FAST_LIMITS)
    dp = create_dispatcher(settings, factory, storage=DatabaseStorage(factory), clock=clock)
    intake = Intake(dp, bot, session_factory, instance="busy", mode="webhook", clock=clock,
                    retry_delays=(0.2, 0.4, 0.8, 1.6))  # fmt: skip
    await intake.start()
    (person,) = await add_registered(api, 1)
    try:
        for update in (lambda: person.says("/quiz"), lambda: person.taps("千人赛")):
            await intake.receive([arrival(update(), clock)])
            await intake.idle()
        hog = await engine.connect()  # something else holds the handlers' only connection
        await intake.receive([arrival(person.taps("A"), clock)])
        await asyncio.sleep(0.8)
        await hog.close()
        await intake.idle()
    finally:
        await intake.stop()
        await bot.session.close()
        await engine.dispose()
    toasts = [r.params.get("text", "") for r in api.sent("answerCallbackQuery")]
    assert toasts.count(t("common.busy", "zh")) == 1
    assert t("common.unknown_error", "zh") not in toasts
    attempt = (await session.execute(select(Attempt))).scalar_one()
    assert attempt.current_position == 1
