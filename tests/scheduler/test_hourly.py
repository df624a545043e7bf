"""An hourly announcement (每小时, 8点到18点每两小时) runs every hour it names, once per
run, and its messages stay far under a group's 20 a minute."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from contest.schedules import parse_schedule
from scheduler.context import JobContext
from scheduler.dispatch import run_due_jobs
from scheduler.jobs import list_jobs
from scheduler.models import OutboxMessage
from tests.conftest import MovableClock
from tests.scheduler.conftest import GROUP, make_competition

NINE_AM_SHANGHAI = datetime(2026, 9, 2, 1, 0, tzinfo=UTC)
GROUP_PER_MINUTE = 20  # Telegram's limit for one group


async def _group_rows(session: AsyncSession) -> list[OutboxMessage]:
    rows = await session.execute(
        select(OutboxMessage).where(OutboxMessage.chat_id == GROUP).order_by(OutboxMessage.id)
    )
    return list(rows.scalars())


async def test_every_hour_fires_on_each_hour_once(
    session: AsyncSession, ctx: JobContext, clock: MovableClock
) -> None:
    choice = parse_schedule("每小时公布一次")
    assert choice is not None
    competition = await make_competition(session, cron=choice.cron)
    key = f"announce:{competition.id}"
    runs: list[datetime] = []
    for minutes in range(0, 3 * 60 + 1, 20):  # the scheduler's ticks over three hours
        clock.set(NINE_AM_SHANGHAI + timedelta(minutes=minutes))
        runs += [f.scheduled_for for f in await run_due_jobs(ctx) if f.key == key]
    assert runs == [NINE_AM_SHANGHAI + timedelta(hours=h) for h in range(4)]
    rows = await _group_rows(session)
    per_run = Counter(row.created_at.replace(second=0, microsecond=0) for row in rows)
    assert len(rows) == 2 * len(runs)  # a picture and a text each hour
    assert max(per_run.values()) <= GROUP_PER_MINUTE


async def test_a_window_every_two_hours_lists_its_next_run(
    session: AsyncSession, ctx: JobContext, settings: Settings, clock: MovableClock
) -> None:
    choice = parse_schedule("8点到18点每两小时")
    assert choice is not None and choice.cron == "0 8-18/2 * * *"
    competition = await make_competition(session, cron=choice.cron)
    clock.set(NINE_AM_SHANGHAI)  # 09:00: the next is 10:00
    jobs = {job.key: job for job in await list_jobs(session, settings=settings, clock=clock)}
    assert jobs[f"announce:{competition.id}"].next_run == NINE_AM_SHANGHAI + timedelta(hours=1)
    clock.set(NINE_AM_SHANGHAI + timedelta(hours=10))  # 19:00: nothing until 08:00
    fired = [f.key for f in await run_due_jobs(ctx)]
    assert fired.count(f"announce:{competition.id}") == 1  # 18:00 caught up once
    jobs = {job.key: job for job in await list_jobs(session, settings=settings, clock=clock)}
    tomorrow_eight = NINE_AM_SHANGHAI + timedelta(hours=23)
    assert jobs[f"announce:{competition.id}"].next_run == tomorrow_eight
