"""An organiser on a phone, through the real bot process and the emulator: their own /start
menu, a competition made entirely by dialog (现在 and preset buttons), its announcements
scheduled by button, and /schedules to check — no terminal, no typed ids."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession

from tests.e2e.bot_process import BOT_TOKEN, BotProcess, bot_env
from tests.e2e.competition_data import CompetitionData
from tests.e2e.emulator import EmulatorProcess
from tests.e2e.proxy import BotApiProxy
from tests.e2e.worker import BotMessage, SimulatedWorker

pytestmark = pytest.mark.e2e
ORGANISER_ID = 700100
NAME = "车间安全知识赛"


@pytest.fixture
async def organiser_bot(
    tmp_path: Path, database_url: str, proxy: BotApiProxy, logs: dict[str, Path]
) -> AsyncIterator[BotProcess]:
    """The bot with the organiser as its super-admin (ADMIN_IDS), as an operator sets it."""
    logs["bot"] = tmp_path / "bot.log"
    env = bot_env(database_url=database_url, api_server=proxy.url, admin_ids=str(ORGANISER_ID))
    process = BotProcess(env=env, cwd=tmp_path, log_path=logs["bot"])
    yield process
    await process.stop()


@pytest.fixture
def organiser(http: ClientSession, emulator: EmulatorProcess) -> SimulatedWorker:
    return SimulatedWorker(http, emulator.url, BOT_TOKEN, user_id=ORGANISER_ID, first_name="李主任")


async def _tap_and_wait(
    person: SimulatedWorker, message: BotMessage, label: str, expect: str
) -> BotMessage:
    after = await person.last_id()
    await person.tap(message, label)
    return await person.next_message(after=after, contains=expect)


async def _say_and_wait(person: SimulatedWorker, text: str, expect: str) -> BotMessage:
    after = await person.last_id()
    await person.send(text)
    return await person.next_message(after=after, contains=expect)


async def test_an_organiser_creates_and_schedules_a_competition_from_the_phone(
    competition: CompetitionData,
    organiser_bot: BotProcess,
    organiser: SimulatedWorker,
    proxy: BotApiProxy,
    tmp_path: Path,
) -> None:
    await organiser_bot.start(proxy)
    menu = await _say_and_wait(organiser, "/start", "组织者")
    assert "➕ 新建竞赛" in [b.text for b in menu.buttons]
    step = await _tap_and_wait(organiser, menu, "新建竞赛", "竞赛名称")
    step = await _say_and_wait(organiser, NAME, "开始时间")
    step = await _tap_and_wait(organiser, step, "现在开始", "结束时间")
    step = await _tap_and_wait(organiser, step, "7 天后结束", "题目从哪里抽")
    step = await _tap_and_wait(organiser, step, "全部题库", "组卷")
    step = await _say_and_wait(organiser, "3 单选 1 判断", "每道题限时")
    step = await _tap_and_wait(organiser, step, "30 秒", "整张试卷")
    step = await _tap_and_wait(organiser, step, "不限时", "答几次")
    step = await _tap_and_wait(organiser, step, "1 次", "团队怎么计分")
    step = await _tap_and_wait(organiser, step, "平均分（按在册人数", "按哪一级")
    step = await _tap_and_wait(organiser, step, "最小团队", "排行榜什么时候")
    preview = await _tap_and_wait(organiser, step, "每天 18:00", "竞赛预览")
    assert "共 4 题" in preview.text and "排行榜公告：每天 18:00" in preview.text
    await _tap_and_wait(organiser, preview, "保存", "竞赛已创建")

    asked = await _say_and_wait(organiser, "/set_schedule", "设置哪个竞赛的公告时间")
    presets = await _tap_and_wait(organiser, asked, NAME, "排行榜什么时候发到群里")
    assert [b.text for b in presets.buttons] == ["每天 18:00", "每周五 17:00", "仅结束时", "关闭"]
    done = await _tap_and_wait(organiser, presets, "每周五 17:00", "公告时间已更新")
    assert "每周五 17:00" in done.text
    listed = await _say_and_wait(organiser, "/schedules", "定时公告")
    assert f"{NAME} · 排行榜公告：每周五 17:00" in listed.text
    assert "sync_statuses" not in listed.text and "python main.py" not in listed.text

    with sqlite3.connect(tmp_path / "quiz.db") as db:
        (rules,) = db.execute("SELECT rules FROM competition WHERE name = ?", (NAME,)).fetchone()
        audit = db.execute("SELECT action, outcome FROM audit_log ORDER BY id").fetchall()
        organisers_as_workers = db.execute(
            "SELECT count(*) FROM worker WHERE telegram_id = ?", (ORGANISER_ID,)
        ).fetchone()[0]
    stored = json.loads(rules)
    assert stored["announce"]["cron"] == "0 17 * * 5"
    assert stored["team"]["mode"] == "avg_registered"
    assert ("competition.create", "ok") in audit and ("competition.set_schedule", "ok") in audit
    assert organisers_as_workers == 0  # the organiser never became a participant
    assert proxy.unsupported == []
