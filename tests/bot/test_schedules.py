"""/schedules for organisers; /mute, /unmute and /practice_push for workers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from contest.models import Worker
from scheduler.jobs import pause_job
from tests.conftest import MovableClock
from tests.fakes.chat import ChatDriver
from tests.scheduler.conftest import make_competition


async def worker_row(session: AsyncSession) -> Worker:
    query = select(Worker).where(Worker.telegram_id == 1001)
    return (await session.execute(query.execution_options(populate_existing=True))).scalar_one()


async def test_organiser_sees_jobs_with_local_next_run_and_paused_state(
    session: AsyncSession, settings: Settings, clock: MovableClock, admin_chat: ChatDriver
) -> None:
    competition = await make_competition(session)
    clock.set(datetime(2026, 9, 2, 9, 0, tzinfo=UTC))
    await pause_job(session, job_key=f"remind:{competition.id}", settings=settings, clock=clock)
    text = (await admin_chat.send("/schedules"))[-1].text
    assert f"▶️ <code>announce:{competition.id}</code> · 0 18 * * * · 下次：2026-09-02 18:00" in text
    assert f"⏸ <code>remind:{competition.id}</code>" in text
    assert "sync_statuses" in text


async def test_workers_cannot_list_schedules(worker_chat: ChatDriver) -> None:
    assert "仅限组织者" in (await worker_chat.send("/schedules"))[-1].text


async def test_mute_unmute_and_practice_push(
    session: AsyncSession, worker_chat: ChatDriver
) -> None:
    assert "请先发送 /start" in (await worker_chat.send("/mute"))[-1].text
    session.add(
        Worker(telegram_id=1001, real_name="张三", registered_at=datetime(2026, 9, 1, tzinfo=UTC))
    )
    await session.commit()
    assert "已关闭竞赛提醒" in (await worker_chat.send("/mute"))[-1].text
    assert (await worker_row(session)).muted
    assert "已打开" in (await worker_chat.send("/unmute"))[-1].text
    assert not (await worker_row(session)).muted
    assert "用法" in (await worker_chat.send("/practice_push"))[-1].text
    assert "已开启" in (await worker_chat.send("/practice_push on"))[-1].text
    assert (await worker_row(session)).practice_push
    await worker_chat.send("/practice_push off")
    assert not (await worker_row(session)).practice_push
