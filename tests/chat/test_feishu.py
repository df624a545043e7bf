"""The Feishu bot end to end: the real long connection (protobuf frames), inbox, turn, core
and cards against the fake Feishu (tests/fakes/feishu.py) over real HTTP and WebSocket."""

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


async def test_a_roster_worker_is_placed_by_employee_no_and_plays_a_whole_competition(
    feishu: Running, session_factory: async_sessionmaker[AsyncSession], clock: MovableClock
) -> None:
    async with session_factory() as session:
        await add_bank(session)
        one, _ = await add_teams(session)
        session.add(Worker(real_name="张三", employee_no="E001", team_id=one.id, on_roster=True))
        await session.commit()
        competition = await add_competition(session, clock)
    feishu.fake.add_user("ou_1", name="张三", employee_no="E001")

    await say(feishu, "ou_1", "竞赛")
    offers = feishu.fake.last("ou_1")
    assert "张三" in offers.text and competition.name in offers.text
    await tap(feishu, "ou_1", offers, competition.name[:10])
    assert feishu.fake.last("ou_1").message_id == offers.message_id  # updated in place
    await play_right(feishu, session_factory, "ou_1", 5)

    assert "答对：5/5" in feishu.fake.last("ou_1").text
    async with session_factory() as session:
        identity = (await session.execute(select(WorkerIdentity))).scalar_one()
        attempt = (await session.execute(select(Attempt))).scalar_one()
        open_events = await session.scalar(
            select(func.count())
            .select_from(MessengerEvent)
            .where(MessengerEvent.status != EventStatus.DONE)
        )
    assert (identity.platform, identity.external_id) == ("feishu", "ou_1")
    assert attempt.status == AttemptStatus.FINISHED and attempt.correct_count == 5
    assert open_events == 0 and feishu.fake.unanswered == {}
    assert all(n <= 5 for key, n in feishu.fake.busiest_second.items() if key != "api")


async def test_a_group_mention_is_answered_in_private_and_the_group_remembered(
    feishu: Running, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    feishu.fake.add_user("ou_2", name="李四")
    await feishu.fake.acked(await feishu.fake.say("ou_2", "我的", group="oc_group"))
    await feishu.settle()
    profile = feishu.fake.last("ou_2")
    assert profile.to == "ou_2" and "李四" in profile.text
    async with session_factory() as session:
        group = (await session.execute(select(MessengerChat))).scalar_one()
    assert (group.platform, group.conversation_id) == ("feishu", "oc_group")
