"""The runner: one lease across runners, a full pass from job to delivered message, stop."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from aiogram import Bot
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from scheduler.models import JobRun, OutboxMessage
from scheduler.runner import SchedulerRunner, run_scheduler
from storage.lease import acquire_lease
from tests.conftest import MovableClock
from tests.fakes.telegram import FakeTelegram
from tests.scheduler.conftest import GROUP, make_competition
from tests.turns import turn

SIX_PM = datetime(2026, 9, 2, 10, 0, tzinfo=UTC)
Factory = async_sessionmaker[AsyncSession]


def runner(
    settings: Settings, factory: Factory, bot: Bot, clock: MovableClock, name: str
) -> SchedulerRunner:
    return SchedulerRunner(
        settings=settings, session_factory=factory, bot=bot, clock=clock, holder=name
    )


async def test_only_the_lease_holder_fires_and_delivers(
    session: AsyncSession,
    session_factory: Factory,
    settings: Settings,
    bot: Bot,
    api: FakeTelegram,
    clock: MovableClock,
) -> None:
    competition = await make_competition(session)
    clock.set(SIX_PM)
    first, second = (runner(settings, session_factory, bot, clock, n) for n in ("a", "b"))
    await asyncio.gather(first.step(), second.step())
    fired = [f.key for f in first.fired + second.fired]
    assert fired.count(f"announce:{competition.id}") == 1
    assert not (first.fired and second.fired)
    assert [r.method for r in api.sent(chat_id=GROUP)] == ["sendPhoto", "sendMessage"]
    await asyncio.gather(first.step(), second.step())
    assert len(api.sent(chat_id=GROUP)) == 2


async def test_lease_passes_on_when_the_holder_stops_renewing(
    session: AsyncSession, clock: MovableClock
) -> None:
    ttl = timedelta(seconds=60)
    assert await turn(session, acquire_lease(session, holder="a", ttl=ttl, clock=clock))
    assert not await turn(session, acquire_lease(session, holder="b", ttl=ttl, clock=clock))
    clock.advance(seconds=30)
    assert await turn(session, acquire_lease(session, holder="a", ttl=ttl, clock=clock))  # renewed
    clock.advance(seconds=59)
    assert not await turn(session, acquire_lease(session, holder="b", ttl=ttl, clock=clock))
    clock.advance(seconds=2)
    assert await turn(session, acquire_lease(session, holder="b", ttl=ttl, clock=clock))
    assert not await turn(session, acquire_lease(session, holder="a", ttl=ttl, clock=clock))


async def test_run_scheduler_fires_delivers_and_stops_promptly(
    session: AsyncSession,
    session_factory: Factory,
    settings: Settings,
    bot: Bot,
    api: FakeTelegram,
    clock: MovableClock,
) -> None:
    await make_competition(session)
    clock.set(SIX_PM + timedelta(minutes=3))
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_scheduler(
            settings=settings,
            session_factory=session_factory,
            bot=bot,
            stop=stop,
            clock=clock,
            tick_seconds=0.2,
        )
    )
    for _ in range(100):
        await asyncio.sleep(0.05)
        if len(api.sent(chat_id=GROUP)) == 2:
            break
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert [r.method for r in api.sent(chat_id=GROUP)] == ["sendPhoto", "sendMessage"]
    runs = await session.scalar(select(func.count()).select_from(JobRun))
    queued = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert runs and queued == 2
    # a restarted runner on the same database sends nothing again
    stop = asyncio.Event()
    again = asyncio.create_task(
        run_scheduler(
            settings=settings,
            session_factory=session_factory,
            bot=bot,
            stop=stop,
            clock=clock,
            tick_seconds=0.2,
        )
    )
    await asyncio.sleep(0.5)
    stop.set()
    await asyncio.wait_for(again, timeout=5)
    assert len(api.sent(chat_id=GROUP)) == 2


async def test_a_step_opens_and_closes_competitions_by_time(
    session: AsyncSession,
    session_factory: Factory,
    settings: Settings,
    bot: Bot,
    clock: MovableClock,
) -> None:
    competition = await make_competition(session)
    competition.status = "scheduled"
    await session.commit()
    clock.set(SIX_PM)
    await runner(settings, session_factory, bot, clock, "a").step()
    await session.refresh(competition)
    assert competition.status == "open"
    clock.set(competition.ends_at + timedelta(seconds=1))
    await runner(settings, session_factory, bot, clock, "a").step()
    await session.refresh(competition)
    assert competition.status == "closed"
