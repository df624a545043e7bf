"""Fixtures of the messenger tests: a running DingTalk bot against the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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
    async with _running("dingtalk", session_factory, database_url, clock) as running:
        yield running


@pytest.fixture
async def feishu(
    session_factory: async_sessionmaker[AsyncSession], database_url: str, clock: MovableClock
) -> AsyncIterator[Running]:
    async with _running("feishu", session_factory, database_url, clock) as running:
        yield running


@pytest.fixture(params=["dingtalk", "feishu"])
async def messenger(
    request: pytest.FixtureRequest,
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
    clock: MovableClock,
) -> AsyncIterator[Running]:
    """A running bot on each platform in turn."""
    async with _running(request.param, session_factory, database_url, clock) as running:
        yield running


@asynccontextmanager
async def _running(
    platform: str,
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
    clock: MovableClock,
) -> AsyncIterator[Running]:
    if platform == "dingtalk":
        running = await start_dingtalk(FakeDingTalk(), session_factory, database_url, clock)
    else:
        running = await start_feishu(FakeFeishu(), session_factory, database_url, clock)
    try:
        yield running
    finally:
        await stop_running(running)
        await running.fake.close()
