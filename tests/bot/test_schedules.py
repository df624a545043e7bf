"""/schedules and /set_schedule for organisers (buttons, no terminal); /mute, /unmute and
/practice_push for workers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.models import AuditEntry, Competition, Worker
from contest.schedules import JobPause
from tests.bot.admin_fixtures import texts
from tests.conftest import MovableClock
from tests.fakes.chat import ChatDriver
from tests.scheduler.conftest import make_competition


async def worker_row(session: AsyncSession) -> Worker:
    query = select(Worker).where(Worker.telegram_id == 1001)
    return (await session.execute(query.execution_options(populate_existing=True))).scalar_one()


async def paused(session: AsyncSession) -> list[str]:
    return sorted((await session.execute(select(JobPause.job_key))).scalars())


async def test_organiser_pauses_and_resumes_by_button_and_sees_only_their_schedules(
    session: AsyncSession, clock: MovableClock, admin_chat: ChatDriver
) -> None:
    competition = await make_competition(session)
    clock.set(datetime(2026, 9, 2, 9, 0, tzinfo=UTC))
    text = (await admin_chat.send("/schedules"))[-1].text
    line = (
        f"▶️ #{competition.id} 质量月&lt;竞赛&gt; · 排行榜公告：每天 18:00 · 下次 2026-09-02 18:00"
    )
    assert line in text
    assert "答题提醒：每天 12:00" in text and "最终成绩：结束时" in text
    assert "sync_statuses" not in text and "expire_attempts" not in text
    assert "python main.py" not in text
    await admin_chat.press(f"暂停 #{competition.id} 答题提醒")
    assert await paused(session) == [f"remind:{competition.id}"]
    shown = admin_chat.last_keyboard_message()
    assert f"⏸ #{competition.id}" in shown["text"]
    await admin_chat.press(f"恢复 #{competition.id} 答题提醒")
    assert await paused(session) == []
    outcomes = [(e.action, e.outcome) for e in await audit_entries_of(session)]
    assert outcomes == [("schedule.pause", "ok"), ("schedule.resume", "ok")]


async def audit_entries_of(session: AsyncSession) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id).execution_options(populate_existing=True)
    return list((await session.execute(query)).scalars())


async def announce_of(session: AsyncSession, competition_id: int) -> dict[str, Any]:
    query = select(Competition).where(Competition.id == competition_id)
    row = (await session.execute(query.execution_options(populate_existing=True))).scalar_one()
    return dict(row.rules["announce"])


async def test_announcements_are_scheduled_by_button_or_in_words(
    session: AsyncSession, admin_chat: ChatDriver
) -> None:
    competition = await make_competition(session)
    other = await make_competition(session, name="第二场", bind=None)
    asked = await admin_chat.send("/set_schedule")
    assert "设置哪个竞赛的公告时间" in asked[-1].text
    await admin_chat.press(f"#{competition.id}")
    labels = admin_chat.button_labels()
    assert labels == ["每天 18:00", "每周五 17:00", "仅结束时", "关闭"]
    done = texts(await admin_chat.press("每周五 17:00"))
    assert "每周五 17:00" in done and "结束时发最终成绩" in done
    assert (await announce_of(session, competition.id))["cron"] == "0 17 * * 5"
    done = await admin_chat.send(f"/set_schedule {other.id} 每天18点")
    assert "每天 18:00" in done[-1].text
    assert (await announce_of(session, other.id))["cron"] == "0 18 * * *"
    await admin_chat.send(f"/set_schedule {other.id} 每周五下午5点")
    assert (await announce_of(session, other.id))["cron"] == "0 17 * * 5"
    await admin_chat.send(f"/set_schedule {other.id}")
    await admin_chat.send("工作日 17:30")  # typed after the buttons were offered
    assert (await announce_of(session, other.id))["cron"] == "30 17 * * 1-5"
    await admin_chat.send(f"/set_schedule {other.id} 关闭")
    assert await announce_of(session, other.id) == {
        **await announce_of(session, other.id),
        "cron": None,
        "final_results": False,
    }
    refused = await admin_chat.send(f"/set_schedule {other.id} 有空再说")
    assert "没看懂" in refused[-1].text and admin_chat.button_labels()[0] == "每天 18:00"


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
