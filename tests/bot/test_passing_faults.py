"""A passing fault never loses a tap: the update is retried from the inbox until it is
handled, or, once it is no longer useful, the worker is told in plain words and the
organiser can see it. Nothing the worker was told is kept is dropped silently."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlparse

import pytest
from aiogram.fsm.storage.redis import RedisStorage
from prometheus_client import REGISTRY
from redis.asyncio import Redis
from sqlalchemy import select

from bot.factory import create_bot, create_dispatcher
from bot.fsm_storage import DatabaseStorage
from bot.inbox import Arrival
from bot.intake import Intake
from bot.models import InboxStatus, InboxUpdate
from config import Settings
from i18n import t
from storage.db import PoolSettings, create_engine, create_session_factory
from tests.bot.conftest import FAST_LIMITS
from tests.conftest import IN_CI, MovableClock
from tests.fakes.crowd import Person
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeTelegram

REDIS_URL = os.environ.get("QQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BUSY = "common.busy"


def arrival(update: dict[str, Any], clock: MovableClock) -> Arrival:
    return Arrival(update["update_id"], update, clock())


def texts(api: FakeTelegram, chat_id: int) -> list[str]:
    return [r.text for r in api.sent(chat_id=chat_id) if r.method == "sendMessage"]


@pytest.fixture
async def redis_proxy() -> AsyncIterator[TcpProxy]:
    url = urlparse(REDIS_URL)
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:  # pragma: no cover - depends on the machine
        if IN_CI:
            pytest.fail(f"Redis unreachable in CI: {exc}")
        pytest.skip("Redis unreachable")
    finally:
        await client.aclose()
    proxy = TcpProxy(url.hostname or "127.0.0.1", url.port or 6379)
    await proxy.start()
    yield proxy
    await proxy.cut()


async def test_redis_down_for_a_while_loses_no_update(
    settings: Settings, session_factory, clock: MovableClock, redis_proxy: TcpProxy
) -> None:
    """Conversation state lives in Redis, and Redis goes away with ten /start in flight:
    each worker reads "busy, kept" once, and the real answer once Redis is back."""
    api = FakeTelegram()
    bot = create_bot(settings, session=api, limits=FAST_LIMITS)
    path = urlparse(REDIS_URL).path
    storage = RedisStorage.from_url(f"redis://127.0.0.1:{redis_proxy.port}{path}")
    dp = create_dispatcher(settings, session_factory, storage=storage, clock=clock)
    retry = {"clock": clock, "retry_delays": (0.1, 0.2, 0.4)}
    intake = Intake(dp, bot, session_factory, instance="redis-down", mode="webhook", **retry)
    await intake.start()
    people = [Person(api, 91_000 + i, f"工人{i}") for i in range(10)]
    try:
        await redis_proxy.cut()
        await intake.receive([arrival(p.says("/start"), clock) for p in people])
        await asyncio.sleep(1.5)  # every update has failed at least once by now
        await redis_proxy.restore()
        await intake.idle(within=60)
    finally:
        await intake.stop()
        await storage.close()
        await bot.session.close()
    for person in people:
        said = texts(api, person.id)
        assert said.count(t(BUSY, "zh")) == 1, said
        assert any(t("start.welcome", "zh") in text for text in said), said
    async with session_factory() as session:
        statuses = (await session.execute(select(InboxUpdate.status))).scalars().all()
    assert set(statuses) == {InboxStatus.DONE}


async def test_an_update_past_its_usefulness_is_given_up_and_the_worker_told(
    settings: Settings, database_url: str, session_factory, clock: MovableClock
) -> None:
    """The handlers' only connection stays taken: retries go on while the update is useful;
    past that the worker reads that it was not handled, the inbox row is failed, and the
    organiser sees it in the metrics."""
    api = FakeTelegram()
    engine = create_engine(database_url, pool=PoolSettings(size=1, overflow=0, timeout=0.2))
    factory = create_session_factory(engine)
    bot = create_bot(settings, session=api, limits=FAST_LIMITS)
    dp = create_dispatcher(settings, factory, storage=DatabaseStorage(factory), clock=clock)
    retry = {"clock": clock, "retry_delays": (0.1, 0.2)}
    intake = Intake(dp, bot, session_factory, instance="given-up", mode="webhook", **retry)
    await intake.start()
    person = Person(api, 92_000, "张三")
    before = _given_up()
    hog = await engine.connect()  # something else holds the handlers' only connection
    try:
        await intake.receive([arrival(person.says("/start"), clock)])
        await asyncio.sleep(1.0)  # told "busy, kept"; still retrying, nothing failed yet
        assert texts(api, person.id) == [t(BUSY, "zh")]
        async with session_factory() as session:
            row = (await session.execute(select(InboxUpdate))).scalar_one()
        assert row.status == InboxStatus.PENDING
        clock.advance(minutes=11)  # no longer useful
        await intake.idle(within=30)
    finally:
        await hog.close()
        await intake.stop()
        await bot.session.close()
        await engine.dispose()
    what = t("limits.what_message", "zh")
    assert texts(api, person.id) == [t(BUSY, "zh"), t("limits.gave_up", "zh", what=what)]
    async with session_factory() as session:
        row = (await session.execute(select(InboxUpdate))).scalar_one()
    assert row.status == InboxStatus.FAILED
    assert _given_up() == before + 1


def _given_up() -> float:
    total = 0.0
    for metric in REGISTRY.collect():
        if metric.name == "qualityquiz_updates_given_up":
            total += sum(s.value for s in metric.samples if s.name.endswith("_total"))
    return total
