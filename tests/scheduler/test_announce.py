"""Announcement content: top N, movement since the last announcement, remaining time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import scheduler.announce as announce
from contest.models import ChatBinding, Worker
from contest.teams import ensure_team_path
from scheduler.context import JobContext
from scheduler.dispatch import run_due_jobs
from scheduler.jobs import Job, JobKind
from scheduler.models import OutboxMessage
from scheduler.notices import prepare_reminder
from tests.conftest import MovableClock
from tests.scheduler.conftest import (
    GROUP,
    make_competition,
    make_team,
    make_worker,
    set_score,
    set_team_score,
)

SIX_PM = datetime(2026, 9, 2, 10, 0, tzinfo=UTC)


async def texts(session: AsyncSession) -> list[str]:
    rows = await session.execute(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "text", OutboxMessage.chat_id == GROUP)
        .order_by(OutboxMessage.id)
        .execution_options(populate_existing=True)
    )
    return [row.text for row in rows.scalars()]


async def test_movement_since_the_previous_announcement(
    session: AsyncSession, ctx: JobContext, clock: MovableClock
) -> None:
    competition = await make_competition(session)
    one, two = await make_team(session, "一车间"), await make_team(session, "质检<部>")
    zhang = await make_worker(session, "张三", telegram_id=1, team=one)
    li = await make_worker(session, "李四", telegram_id=2, team=two)
    await set_score(session, competition, zhang, 90)
    await set_score(session, competition, li, 80)
    await set_team_score(session, competition, one, 90)
    await set_team_score(session, competition, two, 80)
    clock.set(SIX_PM)
    await run_due_jobs(ctx)
    first = (await texts(session))[-1]
    assert "1. 张三（一车间）  90 分 🆕新" in first
    assert "质检&lt;部&gt;" in first
    assert "距结束还有 28 天 0 小时" in first
    wang = await make_worker(session, "王五", telegram_id=3, team=one)
    await set_score(session, competition, li, 95)
    await set_score(session, competition, wang, 85)
    clock.set(SIX_PM + timedelta(days=1))
    await run_due_jobs(ctx)
    second = (await texts(session))[-1]
    assert "1. 李四（质检&lt;部&gt;）  95 分 ↑1" in second
    assert "2. 王五（一车间）  85 分 🆕新" not in second  # 王五 is third
    assert "3. 张三（一车间）  90 分" not in second
    assert "2. 张三（一车间）  90 分 ↓1" in second
    assert "3. 王五（一车间）  85 分 🆕新" in second


async def test_text_goes_even_when_the_picture_fails(
    session: AsyncSession, ctx: JobContext, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_competition(session)

    def broken(_board: object) -> bytes:
        raise RuntimeError("no font")

    monkeypatch.setattr("scheduler.picture.render", broken)
    clock.set(SIX_PM)
    await run_due_jobs(ctx)
    rows = await session.execute(select(OutboxMessage).where(OutboxMessage.chat_id == GROUP))
    kinds = [r.kind for r in rows.scalars()]
    assert kinds == ["text"]
    assert "暂无成绩" in (await texts(session))[0]


async def test_reminders_skip_muted_finished_and_go_once_a_day(
    session: AsyncSession, ctx: JobContext, clock: MovableClock
) -> None:
    competition = await make_competition(session, reminders=True)
    await make_worker(session, "张三", telegram_id=11)
    await make_worker(session, "李四", telegram_id=12, muted=True)
    await make_worker(session, "Bob", telegram_id=13, language="en")
    await session.commit()
    clock.set(datetime(2026, 9, 2, 4, 0, tzinfo=UTC))  # 12:00 Shanghai
    await run_due_jobs(ctx)
    rows = list((await session.execute(select(OutboxMessage))).scalars())
    assert sorted(r.chat_id for r in rows) == [11, 13]
    assert "Reminder" in next(r.text for r in rows if r.chat_id == 13)
    job = Job(f"remind:{competition.id}", JobKind.REMIND, None, "Asia/Shanghai", "", competition.id)
    apply = await prepare_reminder(ctx, job, clock())
    assert apply is not None
    assert await apply(session) == "queued:0"  # the same day again: nobody
    await session.commit()
    query = select(Worker).execution_options(populate_existing=True)
    workers = (await session.execute(query)).scalars()
    assert {w.telegram_id: w.last_reminded_on is not None for w in workers} == {
        11: True,
        12: False,
        13: True,
    }


def test_remaining_time_reads_in_days_and_hours() -> None:
    class C:
        starts_at = datetime(2026, 9, 1, tzinfo=UTC)
        ends_at = datetime(2026, 9, 3, 12, 30, tzinfo=UTC)
        timezone = "Asia/Shanghai"

    assert (
        announce.remaining(C, datetime(2026, 9, 3, 10, 0, tzinfo=UTC), "en") == "⏳ 2 h 30 min left"
    )  # type: ignore[arg-type]
    assert "ended" in announce.remaining(C, C.ends_at, "en")  # type: ignore[arg-type]


async def test_each_bound_chat_reads_the_announcement_in_its_own_language(
    session: AsyncSession, ctx: JobContext, clock: MovableClock
) -> None:
    competition = await make_competition(session)
    session.add(ChatBinding(competition_id=competition.id, chat_id=-100_888, language="en"))
    await session.commit()
    zhang = await make_worker(session, "张三", telegram_id=1, team=await make_team(session, "一班"))
    await set_score(session, competition, zhang, 90)
    clock.set(SIX_PM)
    await run_due_jobs(ctx)
    rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
    by_chat = {(row.chat_id, row.kind): row.text for row in rows}
    assert "排行榜" in by_chat[(GROUP, "text")] and "90 分" in by_chat[(GROUP, "text")]
    english = by_chat[(-100_888, "text")]
    assert "张三" in english and "排行榜" not in english and "分" not in english
    assert (-100_888, "photo") in by_chat and (GROUP, "photo") in by_chat


async def test_picture_data_has_team_paths_movement_and_the_local_date(
    session: AsyncSession,
) -> None:
    competition = await make_competition(session)
    one = await ensure_team_path(session, path=[("车间", "一车间"), ("班组", "甲班")])
    two = await ensure_team_path(session, path=[("车间", "二车间"), ("班组", "甲班")])
    zhang = await make_worker(session, "张三", telegram_id=1, team=one)
    li = await make_worker(session, "李四", telegram_id=2, team=two)
    await set_score(session, competition, zhang, 90)
    await set_score(session, competition, li, 80.25)
    await set_team_score(session, competition, one, 90)
    await set_team_score(session, competition, two, 80.25)
    assert competition.id is not None and li.id is not None and two.id is not None
    board = await announce.load_board(session, competition_id=competition.id)

    def picture(previous: dict[tuple[str, int], int]) -> announce.BoardPicture:
        return announce.board_picture(
            competition, board, previous, when=SIX_PM, final=True, top_n=5, lang="zh"
        )

    first = picture({})
    assert first.title == "质量月<竞赛>" and first.final  # plain text: nothing to escape
    assert (first.when.hour, first.when.utcoffset()) == (18, timedelta(hours=8))
    people = [(p.rank, p.name, p.team, p.score, p.moved, p.new) for p in first.individuals]
    assert people == [
        (1, "张三", "一车间·甲班", 90, 0, False),  # the first announcement marks no movement
        (2, "李四", "二车间·甲班", 80.25, 0, False),
    ]
    assert [(t.rank, t.label, t.participants, t.registered) for t in first.teams] == [
        (1, "一车间·甲班", 1, 1),
        (2, "二车间·甲班", 1, 1),
    ]
    later = picture({("individual", li.id): 1, ("team", two.id): 2})
    assert [(p.moved, p.new) for p in later.individuals] == [(0, True), (-1, False)]
    assert [(t.moved, t.new) for t in later.teams] == [(0, True), (0, False)]
