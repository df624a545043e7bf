"""Fixtures of the messenger tests: a running DingTalk bot against the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.chat.harness import Running, start_dingtalk, start_feishu, stop_running
from tests.conftest import MovableClock
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.feishu import FakeFeishu


@pytest.fixture
async def dingtalk(
    session_factory: async_sessionmaker[AsyncSession], database_url: str, clock: MovableClock
) -> AsyncIterator[Running]:
    fake = FakeDingTalk()
    running = await start_dingtalk(fake, session_factory, database_url, clock)
    yield running
    await stop_running(running)
    await fake.close()


@pytest.fixture
async def feishu(
    session_factory: async_sessionmaker[AsyncSession], database_url: str, clock: MovableClock
) -> AsyncIterator[Running]:
    fake = FakeFeishu()
    running = await start_feishu(fake, session_factory, database_url, clock)
    yield running
    await stop_running(running)
    await fake.close()


@pytest.fixture(params=["dingtalk", "feishu"])
async def messenger(
    request: pytest.FixtureRequest,
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
    clock: MovableClock,
) -> AsyncIterator[Running]:
    """A running bot on each platform in turn."""
    if request.param == "dingtalk":
        running = await start_dingtalk(FakeDingTalk(), session_factory, database_url, clock)
    else:
        running = await start_feishu(FakeFeishu(), session_factory, database_url, clock)
    yield running
    await stop_running(running)
    await running.fake.close()
