"""Fixtures for the scheduler: settings, a bot on the fake API, and a small competition."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sender import BlockedHook, Limits, TelegramLimits
from config import Settings, load_settings
from contest.chats import mark_chat_unreachable
from contest.models import (
    ChatBinding,
    Competition,
    CompetitionStatus,
    Standing,
    Team,
    TeamStanding,
    Worker,
)
from contest.rules import CompetitionRules
from scheduler.context import JobContext
from tests.conftest import MovableClock
from tests.fakes.telegram import FakeTelegram

GROUP = -100_777
START = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
END = datetime(2026, 9, 30, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai
_codes = itertools.count(1)
# give_up_after=0: a failed send goes straight back to the outbox's own durable backoff.
FAST_LIMITS = Limits(
    per_bot=10_000,
    per_chat=10_000,
    per_group_minute=1_000_000,
    backoff_base=0.001,
    give_up_after=0.0,
)


def make_bot(
    api: FakeTelegram, limits: Limits | None = None, on_blocked: BlockedHook | None = None
) -> Bot:
    """A Bot on the fake API with the real sender middleware, as the outbox's bulk bot."""
    api.middleware(TelegramLimits(limits, on_blocked, bulk=True))
    return Bot(
        "42:TEST-TOKEN", session=api, default=DefaultBotProperties(parse_mode=ParseMode.HTML)
    )


def on_blocked_hook(session_factory: async_sessionmaker[AsyncSession]) -> BlockedHook:
    async def on_blocked(chat_id: int) -> None:
        async with session_factory() as session:
            await mark_chat_unreachable(session, chat_id=chat_id)
            await session.commit()

    return on_blocked


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(
        _env_file=None,
        bot_token="42:TEST-TOKEN",
        database_url=database_url,
        admin_ids=frozenset({900}),
        run_scheduler=False,
        scheduler_grace_seconds=6 * 3600,
    )


@pytest.fixture
def api() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
async def bot(
    settings: Settings, api: FakeTelegram, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Bot]:
    bot = make_bot(api, FAST_LIMITS, on_blocked_hook(session_factory))
    yield bot
    await bot.session.close()


@pytest.fixture
def ctx(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: MovableClock
) -> JobContext:
    return JobContext(settings=settings, session_factory=session_factory, clock=clock)


def rules(**announce: Any) -> dict[str, Any]:
    data = {
        "composition": [{"type": "single", "count": 5}],
        "announce": {"cron": "0 18 * * *", "top_n": 5, **announce},
    }
    return CompetitionRules.model_validate(data).model_dump(mode="json")


async def make_competition(
    session: AsyncSession, *, name: str = "质量月<竞赛>", bind: int | None = GROUP, **announce: Any
) -> Competition:
    competition = Competition(
        name=name,
        status=CompetitionStatus.OPEN,
        timezone="Asia/Shanghai",
        starts_at=START,
        ends_at=END,
        rules=rules(**announce),
    )
    session.add(competition)
    await session.flush()
    if bind is not None:
        session.add(ChatBinding(competition_id=competition.id, chat_id=bind, title="群"))
    await session.commit()
    return competition


async def make_team(session: AsyncSession, name: str) -> Team:
    team = Team(name=name, join_code=f"T{next(_codes)}")
    session.add(team)
    await session.flush()
    return team


async def make_worker(
    session: AsyncSession, name: str, *, telegram_id: int, team: Team | None = None, **fields: Any
) -> Worker:
    worker = Worker(
        telegram_id=telegram_id,
        real_name=name,
        team_id=team.id if team else None,
        registered_at=START,
        **fields,
    )
    session.add(worker)
    await session.flush()
    return worker


async def set_score(
    session: AsyncSession, competition: Competition, worker: Worker, score: float
) -> None:
    standing = await session.get(Standing, (competition.id, worker.id))
    if standing is None:
        standing = Standing(
            competition_id=competition.id,
            worker_id=worker.id,
            team_id=worker.team_id,
            finished_at=START,
        )
        session.add(standing)
    standing.score = score
    await session.commit()


async def set_team_score(
    session: AsyncSession, competition: Competition, team: Team, score: float
) -> None:
    row = await session.get(TeamStanding, (competition.id, team.id))
    if row is None:
        row = TeamStanding(
            competition_id=competition.id,
            team_id=team.id,
            participants=1,
            registered=1,
            ranked=True,
        )
        session.add(row)
    row.score = row.score_sum = score
    await session.commit()
