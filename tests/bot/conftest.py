"""Fixtures for driving the real dispatcher against the fake Bot API and a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.factory import blocked_hook, create_bot, create_dispatcher
from bot.fsm_storage import DatabaseStorage
from bot.intake import Intake
from bot.sender import Limits
from config import Settings, load_settings
from tests.conftest import MovableClock
from tests.fakes.chat import ChatDriver
from tests.fakes.telegram import FakeTelegram

ADMIN_ID = 900
# Telegram's real limits would make every test wait; the limiter's own tests use real ones.
FAST_LIMITS = Limits(
    per_bot=10_000, per_chat=10_000, per_group_minute=1_000_000, backoff_base=0.001
)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(
        _env_file=None,
        bot_token="42:TEST-TOKEN",
        database_url=database_url,
        admin_ids=frozenset({ADMIN_ID}),
        run_scheduler=False,
    )


@pytest.fixture
def api() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
async def bot(
    settings: Settings, api: FakeTelegram, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Bot]:
    bot = create_bot(
        settings, session=api, limits=FAST_LIMITS, on_blocked=blocked_hook(session_factory)
    )
    yield bot
    await bot.session.close()


@pytest.fixture
def dp(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: MovableClock
) -> Dispatcher:
    return create_dispatcher(
        settings, session_factory, storage=DatabaseStorage(session_factory), clock=clock
    )


@pytest.fixture
def worker_chat(dp: Dispatcher, bot: Bot, api: FakeTelegram) -> ChatDriver:
    return ChatDriver(dp, bot, api, user_id=1001, first_name="张三")


@pytest.fixture
def admin_chat(dp: Dispatcher, bot: Bot, api: FakeTelegram) -> ChatDriver:
    return ChatDriver(dp, bot, api, user_id=ADMIN_ID, first_name="管理员")


@pytest.fixture
async def intake(
    dp: Dispatcher,
    bot: Bot,
    session_factory: async_sessionmaker[AsyncSession],
    clock: MovableClock,
) -> AsyncIterator[Intake]:
    """The production intake in front of the test's dispatcher (short retry delays)."""
    intake = Intake(
        dp, bot, session_factory, instance="test:webhook", mode="webhook", clock=clock,
        retry_delays=(0.05, 0.1, 0.2),
    )  # fmt: skip
    await intake.start()
    yield intake
    await intake.stop()
