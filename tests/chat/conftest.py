"""Fixtures of the messenger tests: a running DingTalk bot against the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.chat.harness import Running, start_dingtalk, stop_dingtalk
from tests.conftest import MovableClock
from tests.fakes.dingtalk import FakeDingTalk


@pytest.fixture
async def dingtalk(
    session_factory: async_sessionmaker[AsyncSession], database_url: str, clock: MovableClock
) -> AsyncIterator[Running]:
    fake = FakeDingTalk()
    running = await start_dingtalk(fake, session_factory, database_url, clock)
    yield running
    await stop_dingtalk(running)
    await fake.close()
