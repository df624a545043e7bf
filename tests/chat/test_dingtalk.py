"""The DingTalk bot end to end: the real Stream client, inbox, turn, core and cards against
the fake DingTalk (tests/fakes/dingtalk.py) over real HTTP and WebSocket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chat.models import EventStatus, MessengerChat, MessengerEvent
from chat.platforms import DingTalkRunner
from config import load_settings
from contest.identities import WorkerIdentity
from contest.models import Attempt, AttemptStatus, Worker
from quizbank.models import QuestionType
from tests.bot.fixtures import add_bank, add_competition, add_teams, right_answer
from tests.conftest import MovableClock
from tests.fakes.dingtalk import FakeDingTalk, SeenCard


@dataclass
class Running:
    fake: FakeDingTalk
    runner: DingTalkRunner
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def settle(self) -> None:
        await self.runner.intake.idle()


async def _start(
    fake: FakeDingTalk,
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
    clock: MovableClock,
) -> Running:
    base = await fake.start() if fake.server is None else str(fake.server.make_url("")).rstrip("/")
    settings = load_settings(
        _env_file=None,
        database_url=database_url,
        dingtalk_client_id=fake.client_id,
        dingtalk_client_secret=fake.client_secret,
        dingtalk_api_base=base,
        dingtalk_oapi_base=base,
    )
    runner = DingTalkRunner(settings, session_factory, clock=clock)
    runner.api.pause = 0.05
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    await asyncio.wait_for(fake.connected.wait(), 30)
    return Running(fake, runner, stop, task)


async def _stop(running: Running) -> None:
    running.stop.set()
    await asyncio.wait_for(running.task, 30)


@pytest.fixture
async def dingtalk(
    session_factory: async_sessionmaker[AsyncSession], database_url: str, clock: MovableClock
) -> AsyncIterator[Running]:
    fake = FakeDingTalk()
    running = await _start(fake, session_factory, database_url, clock)
    yield running
    await _stop(running)
    await fake.close()


async def _say(dt: Running, user: str, text: str) -> None:
    await dt.fake.acked(await dt.fake.say(user, text))
    await dt.settle()


async def _tap(dt: Running, user: str, card: SeenCard, label: str) -> None:
    await dt.fake.acked(await dt.fake.tap(user, card, label))
    await dt.settle()


async def _play_right(
    dt: Running, session_factory: async_sessionmaker[AsyncSession], user: str, questions: int
) -> None:
    """Answer every question of the open attempt right, as the worker sees them."""
    for position in range(questions):
        attempt = await _active_attempt(session_factory)
        qtype, right = await right_answer(session_factory, attempt_id=attempt, position=position)
        card = dt.fake.last(user)
        assert f"{position + 1}/{questions}" in card.text
        if qtype is QuestionType.BLANK:
            assert card.buttons == []
            await _say(dt, user, str(right))
        elif qtype is QuestionType.TRUE_FALSE:
            await _tap(dt, user, card, "对" if right else "错")
        elif qtype is QuestionType.SINGLE:
            await _tap(dt, user, card, "ABCD"[right[0]])
        else:
            for option in right:
                await _tap(dt, user, dt.fake.last(user), "ABCD"[option])
            assert dt.fake.last(user).text.count("✅") == len(right)
            await _tap(dt, user, dt.fake.last(user), "提交")


async def _active_attempt(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as session:
        found = await session.scalar(
            select(Attempt.id).where(Attempt.status == AttemptStatus.ACTIVE).order_by(Attempt.id)
        )
        assert found is not None
        return int(found)


async def test_a_roster_worker_is_placed_by_the_directory_and_plays_a_whole_competition(
    dingtalk: Running, session_factory: async_sessionmaker[AsyncSession], clock: MovableClock
) -> None:
    async with session_factory() as session:
        await add_bank(session)
        one, _ = await add_teams(session)
        session.add(Worker(real_name="张三", employee_no="E001", team_id=one.id, on_roster=True))
        await session.commit()
        competition = await add_competition(session, clock)
    dingtalk.fake.add_user("u1", name="张三", job_number="E001", mobile="13800000001")

    await _say(dingtalk, "u1", "你好")
    welcome, menu = dingtalk.fake.seen("u1")
    assert "张三" in welcome.text and menu.title == "质量知识竞赛"
    await _tap(dingtalk, "u1", menu, "参加竞赛")
    offers = dingtalk.fake.last("u1")
    assert competition.name in offers.text
    await _tap(dingtalk, "u1", offers, competition.name[:10])
    assert dingtalk.fake.last("u1").biz_id == offers.biz_id  # the card became the question

    await _play_right(dingtalk, session_factory, "u1", 5)

    result = dingtalk.fake.last("u1")
    assert "答对：5/5" in result.text
    async with session_factory() as session:
        worker = (
            await session.execute(select(Worker).where(Worker.employee_no == "E001"))
        ).scalar_one()
        attempt = (await session.execute(select(Attempt))).scalar_one()
        identity = (await session.execute(select(WorkerIdentity))).scalar_one()
        events = await session.scalar(
            select(func.count())
            .select_from(MessengerEvent)
            .where(MessengerEvent.status != EventStatus.DONE)
        )
    assert worker.registered_at is not None and not worker.pending
    assert (identity.platform, identity.external_id, identity.worker_id) == (
        "dingtalk",
        "u1",
        worker.id,
    )
    assert attempt.status == AttemptStatus.FINISHED and attempt.correct_count == 5
    assert events == 0
    assert dingtalk.fake.unacked == {}


async def test_an_unknown_account_is_registered_pending_and_chooses_its_team(
    dingtalk: Running, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    async with session_factory() as session:
        one, _ = await add_teams(session)
        session.add(Worker(real_name="李四", employee_no="E009", on_roster=True))
        await session.commit()
    dingtalk.fake.add_user("u2", name="王五", job_number="X77")

    await _say(dingtalk, "u2", "菜单")
    welcome = dingtalk.fake.seen("u2")[0]
    assert "王五" in welcome.text and "花名册上没有找到你" in welcome.text
    await _tap(dingtalk, "u2", welcome, "检验一班")
    async with session_factory() as session:
        worker = (
            await session.execute(select(Worker).where(Worker.real_name == "王五"))
        ).scalar_one()
    assert worker.pending and worker.team_id == one.id and worker.employee_no == "X77"
    assert "检验一班" in dingtalk.fake.cards[welcome.biz_id].text


async def test_a_group_mention_is_remembered_and_answered_in_private(
    dingtalk: Running, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    dingtalk.fake.add_user("u3", name="赵六")
    await dingtalk.fake.acked(await dingtalk.fake.say("u3", " 练习", group="cid-group-1"))
    await dingtalk.settle()
    assert all(card.to == "u3" for card in dingtalk.fake.seen("u3"))
    async with session_factory() as session:
        group = (await session.execute(select(MessengerChat))).scalar_one()
    assert (group.platform, group.conversation_id, group.title) == (
        "dingtalk",
        "cid-group-1",
        "质量部群",
    )


async def test_a_redelivered_frame_is_handled_once_and_a_restart_loses_nothing(
    session_factory: async_sessionmaker[AsyncSession], database_url: str, clock: MovableClock
) -> None:
    fake = FakeDingTalk()
    fake.add_user("u4", name="孙七")
    first = await _start(fake, session_factory, database_url, clock)
    message_id = await fake.say("u4", "我的")
    await fake.acked(message_id)
    await first.settle()
    cards = len(fake.seen("u4"))
    # DingTalk sends the same frame again (its ack was lost): stored once, answered once.
    fake.redeliver(message_id)
    await _stop(first)
    second = await _start(fake, session_factory, database_url, clock)
    await second.settle()
    assert len(fake.seen("u4")) == cards
    async with session_factory() as session:
        stored = await session.scalar(select(func.count()).select_from(MessengerEvent))
    assert stored == 1
    await _stop(second)
    await fake.close()
