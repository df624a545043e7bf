"""Jobs derived from competitions: local fire times, catch-up once, deletion, pause."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings, load_settings
from contest.rules import CompetitionRules
from contest.schedules import pause, resume
from scheduler.context import JobContext
from scheduler.dispatch import run_due_jobs
from scheduler.jobs import crontab_trigger, list_jobs
from scheduler.models import JobRun, OutboxMessage
from tests.conftest import MovableClock
from tests.scheduler.conftest import GROUP, make_competition, rules
from tests.turns import turn

SIX_PM_SHANGHAI = datetime(2026, 9, 2, 10, 0, tzinfo=UTC)


def keys(fired: list) -> list[str]:
    return [f.key for f in fired]


async def outbox(session: AsyncSession) -> list[OutboxMessage]:
    rows = await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))
    return list(rows.scalars())


async def test_announcement_fires_at_18_shanghai_on_a_utc_machine(
    session: AsyncSession, ctx: JobContext, clock: MovableClock
) -> None:
    competition = await make_competition(session)
    clock.set(SIX_PM_SHANGHAI - timedelta(seconds=1))
    assert f"announce:{competition.id}" not in keys(await run_due_jobs(ctx))
    clock.set(SIX_PM_SHANGHAI)
    fired = await run_due_jobs(ctx)
    assert f"announce:{competition.id}" in keys(fired)
    rows = await outbox(session)
    assert [(r.chat_id, r.kind) for r in rows] == [(GROUP, "photo"), (GROUP, "text")]
    assert "2026-09-02 18:00" in rows[1].text
    assert "质量月&lt;竞赛&gt;" in rows[1].text  # the name is escaped


async def test_listed_next_run_is_18_local(
    session: AsyncSession, settings: Settings, clock: MovableClock
) -> None:
    competition = await make_competition(session)
    clock.set(SIX_PM_SHANGHAI + timedelta(minutes=1))
    jobs = {job.key: job for job in await list_jobs(session, settings=settings, clock=clock)}
    announce = jobs[f"announce:{competition.id}"]
    assert announce.next_run == SIX_PM_SHANGHAI + timedelta(days=1)
    assert {"sync_statuses", "expire_attempts", "practice_push"} <= set(jobs)


async def test_missed_run_fires_once_after_restart(
    session: AsyncSession, ctx: JobContext, clock: MovableClock
) -> None:
    competition = await make_competition(session)
    clock.set(SIX_PM_SHANGHAI + timedelta(hours=2))  # the process was down at 18:00
    first = await run_due_jobs(ctx)
    assert keys(first).count(f"announce:{competition.id}") == 1
    assert first[keys(first).index(f"announce:{competition.id}")].scheduled_for == SIX_PM_SHANGHAI
    restarted = JobContext(settings=ctx.settings, session_factory=ctx.session_factory, clock=clock)
    clock.advance(minutes=5)
    assert f"announce:{competition.id}" not in keys(await run_due_jobs(restarted))
    assert len(await outbox(session)) == 2


async def test_run_missed_beyond_the_grace_period_is_skipped(
    session: AsyncSession, ctx: JobContext, clock: MovableClock
) -> None:
    competition = await make_competition(session)
    clock.set(SIX_PM_SHANGHAI + timedelta(hours=7))  # grace is 6 h
    assert f"announce:{competition.id}" not in keys(await run_due_jobs(ctx))


async def test_deleted_competition_leaves_no_job(
    session: AsyncSession, ctx: JobContext, settings: Settings, clock: MovableClock
) -> None:
    competition = await make_competition(session)
    cid = competition.id
    clock.set(SIX_PM_SHANGHAI - timedelta(hours=1))
    listed = {job.key for job in await list_jobs(session, settings=settings, clock=clock)}
    assert {
        f"announce:{cid}",
        f"open:{cid}",
        f"close:{cid}",
        f"final:{cid}",
        f"remind:{cid}",
    } <= listed
    await session.delete(competition)
    await session.commit()
    listed = {job.key for job in await list_jobs(session, settings=settings, clock=clock)}
    assert not {key for key in listed if key.endswith(f":{cid}")}
    clock.set(SIX_PM_SHANGHAI)
    assert not [k for k in keys(await run_due_jobs(ctx)) if k.endswith(f":{cid}")]


async def test_changed_cron_moves_the_job(
    session: AsyncSession, ctx: JobContext, clock: MovableClock
) -> None:
    competition = await make_competition(session)
    competition.rules = rules(cron="0 20 * * *")
    await session.commit()
    clock.set(SIX_PM_SHANGHAI)
    assert f"announce:{competition.id}" not in keys(await run_due_jobs(ctx))
    clock.set(SIX_PM_SHANGHAI + timedelta(hours=2))  # 20:00 Shanghai
    assert f"announce:{competition.id}" in keys(await run_due_jobs(ctx))


async def test_paused_job_skips_its_runs_and_resumes(
    session: AsyncSession, ctx: JobContext, settings: Settings, clock: MovableClock
) -> None:
    competition = await make_competition(session)
    key = f"announce:{competition.id}"
    assert await turn(session, pause(session, key=key, clock=clock))
    assert not await turn(session, pause(session, key=key, clock=clock))
    clock.set(SIX_PM_SHANGHAI)
    fired = {f.key: f.outcome for f in await run_due_jobs(ctx)}
    assert fired[key] == "paused"
    assert not [r for r in await outbox(session) if r.dedup_key.startswith(key)]
    assert await turn(session, resume(session, key=key))
    clock.advance(minutes=10)
    assert key not in keys(await run_due_jobs(ctx))  # the paused run is not caught up
    clock.set(SIX_PM_SHANGHAI + timedelta(days=1))
    assert {f.key: f.outcome for f in await run_due_jobs(ctx)}[key].startswith("queued")


async def test_open_close_and_final_fire_at_the_competition_times(
    session: AsyncSession, ctx: JobContext, clock: MovableClock
) -> None:
    competition = await make_competition(session)
    clock.set(competition.starts_at)
    opened = await run_due_jobs(ctx)
    assert f"open:{competition.id}" in keys(opened)
    clock.set(competition.ends_at + timedelta(minutes=1))
    closed = await run_due_jobs(ctx)
    assert {f"close:{competition.id}", f"final:{competition.id}"} <= set(keys(closed))
    runs = await session.scalar(select(func.count()).select_from(JobRun))
    assert runs == len(opened) + len(closed)
    assert await run_due_jobs(ctx) == []


def test_crontab_weekdays_follow_the_crontab_convention() -> None:
    trigger = crontab_trigger("0 18 * * 1-5", timezone="Asia/Shanghai")
    saturday = datetime(2026, 9, 5, 0, 0, tzinfo=UTC)
    fire = trigger.get_next_fire_time(None, saturday)
    assert fire is not None and fire.strftime("%a %H:%M") == "Mon 18:00"
    sunday = crontab_trigger("0 9 * * 0", timezone="Asia/Shanghai").get_next_fire_time(
        None, saturday
    )
    assert sunday is not None and sunday.strftime("%a") == "Sun"


async def test_draft_competition_has_no_jobs(
    session: AsyncSession, settings: Settings, clock: MovableClock
) -> None:
    competition = await make_competition(session)
    competition.status = "draft"
    await session.commit()
    listed = await list_jobs(session, settings=settings, clock=clock)
    assert not [j for j in listed if j.competition_id == competition.id]


async def test_a_broken_competition_does_not_stop_the_others(
    session: AsyncSession, ctx: JobContext, clock: MovableClock
) -> None:
    broken = await make_competition(session, name="坏的", bind=-1)
    broken.timezone = "Mars/Olympus"
    await session.commit()
    good = await make_competition(session)
    clock.set(SIX_PM_SHANGHAI)
    fired = keys(await run_due_jobs(ctx))
    assert f"announce:{good.id}" in fired
    assert not [k for k in fired if k.endswith(f":{broken.id}")]


async def test_reminder_and_practice_push_times_are_configurable(
    session: AsyncSession, settings: Settings, clock: MovableClock
) -> None:
    competition = await make_competition(session, reminder_time="7:30")
    clock.set(SIX_PM_SHANGHAI)
    evening = settings.model_copy(update={"practice_push_time": "19:45"})
    jobs = {job.key: job for job in await list_jobs(session, settings=evening, clock=clock)}
    remind = jobs[f"remind:{competition.id}"]
    assert remind.schedule == "30 7 * * *"
    assert remind.next_run == SIX_PM_SHANGHAI + timedelta(hours=13, minutes=30)  # 07:30 next day
    push = jobs["practice_push"]
    assert push.schedule == "45 19 * * *"
    assert push.next_run == SIX_PM_SHANGHAI + timedelta(hours=1, minutes=45)


def test_times_of_day_are_checked() -> None:
    base = {"composition": [{"type": "single", "count": 1}]}
    with pytest.raises(ValidationError, match="time of day"):
        CompetitionRules.model_validate(base | {"announce": {"reminder_time": "25:00"}})
    with pytest.raises(ValidationError, match="time of day"):
        load_settings(_env_file=None, practice_push_time="noon")
    assert load_settings(_env_file=None, practice_push_time="8:05").practice_push_time == "08:05"
