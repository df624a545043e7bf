"""The thin layer itself: the proxy makes telegram-test-api answer as the Bot API does.

These drive the proxy with aiogram's own client, so a gap that would break the bot shows
up here first, with a narrower failure than a whole worker journey.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from tests.e2e.bot_process import BOT_TOKEN, BotProcess
from tests.e2e.competition_data import CompetitionData
from tests.e2e.proxy import BotApiProxy
from tests.e2e.worker import SimulatedWorker, eventually

pytestmark = pytest.mark.e2e


@pytest.fixture
async def bot(proxy: BotApiProxy):
    session = AiohttpSession()
    session.api = TelegramAPIServer.from_base(proxy.url)
    client = Bot(BOT_TOKEN, session=session)
    yield client
    await session.close()


async def test_get_me_is_a_bot_with_the_tokens_id(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot is True
    assert me.id == bot.id


async def test_unconfirmed_updates_are_delivered_again_until_offset_confirms_them(
    bot: Bot, worker: SimulatedWorker
) -> None:
    await worker.send("一")
    first = await bot.get_updates(timeout=5)
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [u.update_id for u in first]
    assert first[0].message is not None and first[0].message.text == "一"
    confirmed = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
    assert confirmed == []


async def test_get_updates_waits_for_an_update_up_to_its_timeout(
    bot: Bot, worker: SimulatedWorker
) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert time.monotonic() - started >= 0.9

    async def send_later() -> None:
        await asyncio.sleep(0.3)
        await worker.send("/help")

    sender = asyncio.create_task(send_later())
    updates = await bot.get_updates(timeout=10)
    await sender
    assert updates and updates[0].message is not None and updates[0].message.text == "/help"


async def test_callback_queries_parse_and_edits_behave_like_telegram(
    bot: Bot, worker: SimulatedWorker, proxy: BotApiProxy
) -> None:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="pick:a")]]
    )
    sent = await bot.send_message(worker.chat["id"], "[1] 题目", reply_markup=keyboard)
    assert sent.text == "[1] 题目"  # text is never mistaken for JSON
    assert sent.from_user is not None and sent.from_user.is_bot
    shown = await worker.next_message(after=0, contains="题目")
    await worker.tap(shown, "A")
    (update,) = await bot.get_updates(timeout=5)
    query = update.callback_query
    assert query is not None and query.data == "pick:a" and query.chat_instance
    assert await query.answer("已收到") is True
    assert proxy.callback_answers()[-1]["text"] == "已收到"

    edited = await bot.edit_message_text("下一题", chat_id=sent.chat.id, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.text == "下一题"
    now = await worker.changed(shown)
    assert now.text == "下一题" and now.buttons == []  # an edit without markup drops buttons
    with pytest.raises(TelegramBadRequest, match="not modified"):
        await bot.edit_message_text("下一题", chat_id=sent.chat.id, message_id=sent.message_id)


async def test_the_bot_starts_against_the_emulator(
    bot_process: BotProcess, proxy: BotApiProxy
) -> None:
    await bot_process.start(proxy)
    started = [c.method for c in proxy.calls]
    assert started.count("setMyCommands") == 3
    assert "deleteWebhook" in started and "getMe" in started
    assert proxy.unsupported == []


async def test_the_scheduler_runs_inside_the_bot_process_and_stops_with_it(
    bot_process: BotProcess, proxy: BotApiProxy, competition: CompetitionData, tmp_path: Path
) -> None:
    """`python main.py run` runs the scheduler by default: it takes the lease, ticks over the
    real competition without errors, and gives the lease up on a graceful stop."""
    database = tmp_path / "quiz.db"  # this test's copy of the organiser's database
    bot_process.env.update(RUN_SCHEDULER="true", SCHEDULER_TICK_SECONDS="0.5")
    await bot_process.start(proxy)
    holder = await eventually(
        lambda: (_live_leases(database) or [None])[0], what="the scheduler lease", within=20
    )
    await asyncio.sleep(2)  # a few ticks over the open competition
    assert bot_process.running
    assert _live_leases(database) == [holder]  # still the one active scheduler
    await bot_process.stop()
    log = bot_process.log()
    assert "scheduler pass failed" not in log and "Traceback" not in log
    assert f"scheduler {holder} started" in log and f"scheduler {holder} stopped" in log
    assert _live_leases(database) == []  # released: another process may take over at once


def _live_leases(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        rows = db.execute(
            "SELECT holder FROM lease WHERE name = 'scheduler' AND expires_at > ?", (now,)
        )
        return [holder for (holder,) in rows]
