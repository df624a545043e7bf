"""The DingTalk bot end to end: the real Stream client, inbox, turn, core and cards against
the fake DingTalk (tests/fakes/dingtalk.py) over real HTTP and WebSocket."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chat.models import EventStatus, MessengerEvent
from contest.app_groups import MessengerChat
from contest.identities import WorkerIdentity
from contest.models import Attempt, AttemptStatus, Worker
from tests.bot.fixtures import add_bank, add_competition, add_teams
from tests.chat.harness import Running, play_right, say, tap
from tests.conftest import MovableClock


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

    await say(dingtalk, "u1", "你好")
    [menu] = dingtalk.fake.seen("u1")
    assert "张三" in menu.text and menu.title == "质量知识竞赛"
    await tap(dingtalk, "u1", menu, "参加竞赛")
    offers = dingtalk.fake.last("u1")
    assert competition.name in offers.text
    await tap(dingtalk, "u1", offers, competition.name[:10])
    assert dingtalk.fake.last("u1").biz_id == offers.biz_id  # the card became the question

    await play_right(dingtalk, session_factory, "u1", 5)

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

    await say(dingtalk, "u2", "菜单")
    welcome = dingtalk.fake.seen("u2")[0]
    assert "王五" in welcome.text and "花名册上没有找到你" in welcome.text
    await tap(dingtalk, "u2", welcome, "检验一班")
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
