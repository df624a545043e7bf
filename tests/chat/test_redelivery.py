"""An event the platform sends again (DingTalk's frame whose acknowledgement was lost, Feishu's
event whose answer never arrived) is stored once and answered once, across a restart."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chat.models import MessengerEvent
from tests.chat.harness import start_dingtalk, start_feishu, stop_running
from tests.conftest import MovableClock
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.feishu import FakeFeishu

PLATFORMS: dict[str, tuple[Any, Any]] = {
    "dingtalk": (FakeDingTalk, start_dingtalk),
    "feishu": (FakeFeishu, start_feishu),
}


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
async def test_an_event_sent_again_is_handled_once_and_a_restart_loses_nothing(
    platform: str,
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
    clock: MovableClock,
) -> None:
    make, start = PLATFORMS[platform]
    fake = make()
    fake.add_user("u4", name="孙七")
    first = await start(fake, session_factory, database_url, clock)
    event_id = await fake.say("u4", "我的")
    await fake.acked(event_id)
    await first.settle()
    cards = len(fake.seen("u4"))
    await stop_running(first)
    fake.redeliver(event_id)  # as if our acknowledgement never reached the platform
    second = await start(fake, session_factory, database_url, clock)
    await fake.acked(event_id)
    await second.settle()
    assert len(fake.seen("u4")) == cards
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(MessengerEvent)) == 1
    await stop_running(second)
    await fake.close()
    await asyncio.sleep(0)
