"""First start: the bot offers the bundled demo bank while the question bank is empty."""

from __future__ import annotations

from aiogram import Bot
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.routers.setup import offer_demo_bank
from config import Settings
from quizbank.models import Question
from tests.bot.conftest import ADMIN_ID
from tests.fakes.chat import ChatDriver
from tests.fakes.telegram import FakeTelegram


async def _question_count(session: AsyncSession) -> int:
    return (await session.execute(select(func.count()).select_from(Question))).scalar_one()


async def test_empty_bank_offers_the_demo_bank_to_admins(
    bot: Bot, api: FakeTelegram, session: AsyncSession, settings: Settings
) -> None:
    assert await offer_demo_bank(bot, session, settings) is True
    offer = api.last("sendMessage", chat_id=ADMIN_ID)
    assert "题库还是空的" in offer.text
    assert [b["text"] for b in offer.buttons] == ["📥 导入示例题库"]


async def test_admin_imports_the_demo_bank_with_one_tap(
    bot: Bot,
    api: FakeTelegram,
    admin_chat: ChatDriver,
    session: AsyncSession,
    settings: Settings,
) -> None:
    await offer_demo_bank(bot, session, settings)
    await admin_chat.press("导入示例题库")
    assert await _question_count(session) >= 60
    assert "已导入示例题库" in admin_chat.last_bot_message()["text"]
    api.clear()
    assert await offer_demo_bank(bot, session, settings) is False
    assert api.sent("sendMessage") == []


async def test_workers_cannot_import_or_see_setup(
    bot: Bot,
    api: FakeTelegram,
    admin_chat: ChatDriver,
    worker_chat: ChatDriver,
    session: AsyncSession,
    settings: Settings,
) -> None:
    await offer_demo_bank(bot, session, settings)
    offer = admin_chat.last_keyboard_message()
    requests = await worker_chat.callback(
        offer["reply_markup"]["inline_keyboard"][0][0]["callback_data"], offer
    )
    assert requests[-1].method == "answerCallbackQuery"
    assert requests[-1].params["show_alert"] is True
    assert await _question_count(session) == 0
    replies = await worker_chat.send("/setup")
    assert "仅限组织者" in replies[-1].text


async def test_setup_shows_the_bank_size_to_organisers(
    bot: Bot, admin_chat: ChatDriver, session: AsyncSession, settings: Settings
) -> None:
    await admin_chat.send("/setup")
    await admin_chat.press("导入示例题库")
    count = await _question_count(session)
    replies = await admin_chat.send("/setup")
    assert f"题库已有 {count} 道题" in replies[-1].text
