"""Conversation state survives a restart: in the database by default, in Redis when set."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.fsm_storage import DatabaseStorage
from tests.conftest import IN_CI

REDIS_URL = os.environ.get("QQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class Registration(StatesGroup):
    name = State()


def _key(user_id: int) -> StorageKey:
    return StorageKey(bot_id=42, chat_id=user_id, user_id=user_id)


async def _redis_or_fail() -> RedisStorage:
    storage = RedisStorage.from_url(REDIS_URL)
    try:
        await storage.redis.ping()
    except Exception as exc:
        await storage.close()
        if IN_CI:
            pytest.fail(f"Redis unreachable at {REDIS_URL} in CI: {exc}", pytrace=False)
        pytest.skip(f"Redis unreachable at {REDIS_URL}")
    return storage


@pytest.fixture(params=["database", "redis"])
async def storages(
    request: pytest.FixtureRequest, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[tuple[BaseStorage, BaseStorage]]:
    """Two storage instances on the same backend: before and after a restart."""
    if request.param == "database":
        yield DatabaseStorage(session_factory), DatabaseStorage(session_factory)
        return
    first, second = await _redis_or_fail(), await _redis_or_fail()
    yield first, second
    await first.close()
    await second.close()


async def test_state_and_data_survive_a_restart(
    storages: tuple[BaseStorage, BaseStorage],
) -> None:
    before, after = storages
    key = _key(uuid.uuid4().int % 10**9)
    await before.set_state(key, Registration.name)
    await before.update_data(key, {"real_name": "王师傅", "team": 3})
    assert await after.get_state(key) == Registration.name.state
    assert await after.get_data(key) == {"real_name": "王师傅", "team": 3}


async def test_clearing_state_forgets_everything(
    storages: tuple[BaseStorage, BaseStorage],
) -> None:
    before, after = storages
    key = _key(uuid.uuid4().int % 10**9)
    await before.set_state(key, Registration.name)
    await before.set_data(key, {"x": 1})
    await before.set_state(key, None)
    await before.set_data(key, {})
    assert await after.get_state(key) is None
    assert await after.get_data(key) == {}


async def test_clearing_a_conversation_never_stored_is_a_no_op(
    storages: tuple[BaseStorage, BaseStorage],
) -> None:
    before, after = storages
    key = _key(uuid.uuid4().int % 10**9)
    await before.set_state(key, None)
    await before.set_data(key, {})
    assert await after.get_state(key) is None
    assert await after.get_data(key) == {}
