"""An organiser on DingTalk and on Feishu: binds a group to a competition, announces into it
from the private chat, opens and closes the competition; announcement texts and pictures
reach the group through the app (the outbox's app channel), and a worker who is no
organiser is refused."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.app_groups import MessengerChat
from contest.models import Competition, CompetitionStatus
from contest.outbox import OutboxMessage, OutboxStatus, enqueue
from contest.robots import bound_targets, dedup_suffix
from tests.bot.fixtures import add_competition
from tests.chat.harness import Running, say
from tests.conftest import MovableClock
from tests.fakes.dingtalk import FakeDingTalk

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _in_group(running: Running, user: str, text: str, group: str) -> None:
    await running.fake.acked(await running.fake.say(user, text, group=group))
    await running.settle()


def _group_posts(fake: Any, group: str) -> list[str]:
    """What the group shows: texts (and "[picture]" for each picture), in order."""
    if isinstance(fake, FakeDingTalk):
        return [
            m["param"].get("text") or "[picture]" for m in fake.group_messages if m["to"] == group
        ]
    return ["[picture]" for i in fake.images if i["to"] == group] + [
        card.text for card in fake.seen(group)
    ]


async def _until(condition: Any, within: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("the group never showed it")
        await asyncio.sleep(0.02)


async def test_an_organiser_binds_a_group_and_announces_into_it(
    messenger: Running, session_factory: async_sessionmaker[AsyncSession], clock: MovableClock
) -> None:
    fake, group = messenger.fake, "group-quality"
    async with session_factory() as session:
        competition = await add_competition(session, clock)
    fake.add_user("boss", name="质量部长")
    fake.add_user("w1", name="职工甲")

    await _in_group(messenger, "w1", f"绑定 {competition.id}", group)
    assert "组织者" in fake.last("w1").text or "权限" in fake.last("w1").text
    await _in_group(messenger, "boss", f"绑定 {competition.id}", group)
    assert f"#{competition.id}" in fake.last("boss").text
    async with session_factory() as session:
        bound = (await session.execute(select(MessengerChat))).scalar_one()
    assert bound.competition_id == competition.id

    await say(messenger, "boss", f"公告 {competition.id} 今晚八点 <b>决赛</b>")
    assert "1" in fake.last("boss").text
    await _until(lambda: any("今晚八点 **决赛**" in t for t in _group_posts(fake, group)))

    # a leaderboard picture with its caption, queued as the scheduler queues it
    async with session_factory() as session:
        for target in await bound_targets(session, competition_id=int(competition.id or 0)):
            await enqueue(
                session,
                dedup_key=f"board:{dedup_suffix(target)}",
                chat_id=target.chat_id,
                channel=target.channel,
                kind="photo",
                payload=PNG,
                text="🏆 排行榜",
                clock=clock,
            )
        await session.commit()
    await _until(lambda: "[picture]" in _group_posts(fake, group))
    await _until(lambda: any("排行榜" in t for t in _group_posts(fake, group)))
    for _ in range(1500):  # the rows are marked sent just after the group shows them
        async with session_factory() as session:
            statuses = set((await session.execute(select(OutboxMessage.status))).scalars())
        if statuses == {OutboxStatus.SENT}:
            break
        await asyncio.sleep(0.02)
    assert statuses == {OutboxStatus.SENT}

    await say(messenger, "boss", f"结束 {competition.id}")
    assert "已结束" in fake.last("boss").text  # the organiser is told (no "closeed" key)
    async with session_factory() as session:
        closed = await session.get(Competition, competition.id)
    assert closed is not None and closed.status == CompetitionStatus.CLOSED
