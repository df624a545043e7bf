"""Competitions in chat: YAML upload and the guided dialog with a preview, list, open/close,
times, participation per team and the results workbook."""

from __future__ import annotations

import copy
import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.models import Attempt, AttemptKind, Competition, CompetitionStatus, Standing
from tests.bot.admin_fixtures import (
    add_competition,
    add_worker,
    audit_entries,
    count_rows,
    texts,
    upload,
    xlsx_bytes,
)
from tests.fakes.chat import ChatDriver

YAML = """\
name: 2026 质量月知识竞赛
description: 全厂职工参加
starts_at: 2026-09-01 09:00
ends_at: 2026-09-30 18:00
rules:
  composition:
    - {type: 单选, count: 10}
    - {type: 判断, count: 5}
"""


async def competitions(factory: async_sessionmaker[AsyncSession]) -> list[Competition]:
    async with factory() as session:
        query = select(Competition).order_by(Competition.id)
        return list((await session.execute(query)).scalars())


async def test_yaml_upload_previews_then_saves(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    sent = await upload(admin_chat, "contest.yaml", YAML.encode())
    preview = sent[-1]
    stale = copy.deepcopy(admin_chat.last_keyboard_message())
    assert "竞赛预览" in preview.text and "单选题 10 道" in preview.text
    assert "共 15 题" in preview.text
    assert await competitions(session_factory) == []
    saved = await admin_chat.press("保存")
    assert "竞赛已创建" in texts(saved)
    (created,) = await competitions(session_factory)
    assert created.name == "2026 质量月知识竞赛"
    assert created.starts_at == datetime(2026, 9, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    again = await admin_chat.press("保存", stale)
    assert "已过期" in again[-1].text
    assert len(await competitions(session_factory)) == 1


async def test_invalid_yaml_lists_the_problems_and_saves_nothing(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    before = await count_rows(session_factory)
    sent = await upload(admin_chat, "contest.yml", b"name: x\nstarts_at: 2026-09-01\n")
    assert "竞赛定义有 2 处错误" in sent[-1].text
    assert "• 结束时间：没有填写\n• 竞赛规则：没有填写" in sent[-1].text  # words, not paths
    assert "rules" not in sent[-1].text and "ends_at" not in sent[-1].text
    assert not sent[-1].buttons
    assert await count_rows(session_factory) == before


async def test_dialog_can_be_cancelled(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await admin_chat.send("/new_competition")
    await admin_chat.send("某竞赛")
    assert "已取消" in texts(await admin_chat.send("/cancel"))
    assert await competitions(session_factory) == []


async def test_list_open_and_close_with_commands_and_buttons(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    first = await add_competition(session_factory)
    second = await add_competition(session_factory, name="第二场")
    listing = await admin_chat.send("/competitions")
    stale = copy.deepcopy(admin_chat.last_keyboard_message())
    assert f"#{first.id}" in listing[0].text and "已排期" in listing[0].text
    assert "已开启" in texts(await admin_chat.send(f"/open {first.id}"))
    await admin_chat.press(f"开启 #{second.id}", stale)
    statuses = [c.status for c in await competitions(session_factory)]
    assert statuses == [CompetitionStatus.OPEN, CompetitionStatus.OPEN]
    asked = texts(await admin_chat.send(f"/close {first.id}"))
    assert "0 名职工正在答题" in asked
    assert "已取消" in texts(await admin_chat.press("取消"))
    assert [c.status for c in await competitions(session_factory)] == statuses  # unchanged
    await admin_chat.send(f"/close {first.id}")
    assert "已结束" in texts(await admin_chat.press("确认结束"))
    await admin_chat.send(f"/close {first.id}")
    refused = await admin_chat.press("确认结束")
    assert "不能改为" in texts(refused)  # closed → closed is no transition
    outcomes = [(e.action, e.outcome) for e in await audit_entries(session_factory)]
    assert ("competition.open", "ok") in outcomes
    assert ("competition.close", "refused") in outcomes


async def test_set_times_in_local_time(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    competition = await add_competition(session_factory)
    sent = await admin_chat.send(f"/set_times {competition.id} 2026-09-02 08:00 2026-09-03 20:00")
    assert "时间已更新" in sent[0].text
    (changed,) = await competitions(session_factory)
    assert changed.starts_at == datetime(2026, 9, 2, 0, 0, tzinfo=UTC)
    assert changed.ends_at == datetime(2026, 9, 3, 12, 0, tzinfo=UTC)
    bad = await admin_chat.send(f"/set_times {competition.id} 2026-09-05 2026-09-04")
    assert "结束时间必须晚于开始时间" in bad[0].text
    assert "用法" in texts(await admin_chat.send("/set_times 1 tomorrow"))


async def test_set_schedule_changes_the_announcement_cron_even_while_open(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    competition = await add_competition(session_factory, status=CompetitionStatus.OPEN)
    sent = await admin_chat.send(f"/set_schedule {competition.id} 30 17 * * 1-5")
    assert "公告时间已更新" in sent[0].text
    (changed,) = await competitions(session_factory)
    assert changed.rules["announce"]["cron"] == "30 17 * * 1-5"
    assert "公告时间已更新" in texts(await admin_chat.send(f"/set_schedule {competition.id} off"))
    (changed,) = await competitions(session_factory)
    assert changed.rules["announce"]["cron"] is None
    bad = texts(await admin_chat.send(f"/set_schedule {competition.id} every evening"))
    assert "没看懂「every evening」" in bad
    (unchanged,) = await competitions(session_factory)
    assert unchanged.rules["announce"]["cron"] is None
    assert "设置哪个竞赛的公告时间" in texts(await admin_chat.send("/set_schedule"))
    assert "用法" in texts(await admin_chat.send("/set_schedule x"))


async def test_stats_show_participation_per_team(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    competition = await add_competition(session_factory, status=CompetitionStatus.OPEN)
    taker = await add_worker(session_factory, telegram_id=5001, team="一班")
    await add_worker(session_factory, telegram_id=5002, team="二班")
    async with session_factory() as session:
        session.add(Attempt(worker_id=taker.id, competition_id=competition.id,
                            kind=AttemptKind.COMPETITION))  # fmt: skip
        # Starting writes the worker's standing: taking part is what the boards count.
        session.add(Standing(competition_id=competition.id, worker_id=taker.id,
                             team_id=taker.team_id))  # fmt: skip
        await session.commit()
    sent = await admin_chat.send("/stats")
    assert "一班：1/1 人参加（100%）" in sent[0].text
    assert "二班：0/1 人参加（0%）" in sent[0].text


async def test_export_sends_the_results_workbook(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    competition = await add_competition(session_factory, status=CompetitionStatus.OPEN)
    sent = await admin_chat.send(f"/export {competition.id}")
    assert sent[-1].method == "sendDocument"
    assert list(sent[-1].names.values()) == ["质量月知识竞赛-成绩.xlsx"]
    (content,) = sent[-1].files.values()
    workbook = load_workbook(io.BytesIO(content))
    assert "个人排名" in workbook.sheetnames
    assert "找不到" in texts(await admin_chat.send("/export 999"))


async def test_xlsx_definition_previews_then_saves(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    rows = [
        ["名称", "车间质量赛"], ["开始时间", datetime(2026, 9, 5, 9, 0)],
        ["结束时间", "2026-09-06 18:00"], ["单选", 8], ["判断", 4], ["每题限时", 20],
    ]  # fmt: skip
    sent = await upload(admin_chat, "竞赛.xlsx", xlsx_bytes(rows, ["字段", "值"]))
    assert "竞赛预览" in sent[-1].text and "共 12 题" in sent[-1].text
    assert await competitions(session_factory) == []
    await admin_chat.press("保存")
    (created,) = await competitions(session_factory)
    assert created.name == "车间质量赛" and created.rules["question_time_limit_s"] == 20
    assert created.starts_at == datetime(2026, 9, 5, 1, 0, tzinfo=UTC)


async def test_organiser_of_one_competition_cannot_manage_another(
    admin_chat: ChatDriver, worker_chat: ChatDriver,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    mine = await add_competition(session_factory)
    other = await add_competition(session_factory, name="别的竞赛")
    await admin_chat.send(f"/grant 1001 {mine.id}")
    assert "已开启" in texts(await worker_chat.send(f"/open {mine.id}"))
    for command in (f"/open {other.id}", f"/stats {other.id}", f"/export {other.id}",
                    f"/broadcast {other.id}"):  # fmt: skip
        assert "不是竞赛" in texts(await worker_chat.send(command)), command
    statuses = [c.status for c in await competitions(session_factory)]
    assert statuses == [CompetitionStatus.OPEN, CompetitionStatus.SCHEDULED]


async def test_close_says_how_many_are_mid_quiz_and_waits_for_confirmation(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    competition = await add_competition(session_factory, status=CompetitionStatus.OPEN)
    taker = await add_worker(session_factory, telegram_id=5001, team="一班")
    async with session_factory() as session:
        attempt = Attempt(
            worker_id=taker.id, competition_id=competition.id, kind=AttemptKind.COMPETITION
        )
        session.add(attempt)
        await session.commit()
    await admin_chat.send("/close")
    asked = texts(await admin_chat.press(f"#{competition.id}"))
    assert "1 名职工正在答题" in asked
    assert admin_chat.button_labels() == ["确认结束", "取消"]
    assert [c.status for c in await competitions(session_factory)] == [CompetitionStatus.OPEN]
    assert "已结束" in texts(await admin_chat.press("确认结束"))
    assert [c.status for c in await competitions(session_factory)] == [CompetitionStatus.CLOSED]
