"""Router: first-start setup — offer the bundled demo bank while the question bank is empty."""

from __future__ import annotations

import logging
from typing import Literal

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_common import admin_router
from chat.turn import Turn
from config import Settings
from contest.admin.people import bank_status, import_bank
from i18n import t
from quizbank.service import bank_stats, demo_bank_path, validate_file

logger = logging.getLogger(__name__)
router = admin_router(__name__)


class DemoBank(CallbackData, prefix="demo"):
    """The 导入示例题库 button."""

    action: Literal["import"]


def demo_keyboard(lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("setup.import_demo", lang), callback_data=DemoBank(action="import"))
    return builder.as_markup()


async def offer_demo_bank(bot: Bot, session: AsyncSession, settings: Settings) -> bool:
    """On start-up with an empty bank, offer the demo bank to each super-admin."""
    if (await bank_stats(session)).total:
        return False
    logger.info("the question bank is empty; offering the demo bank to the admins")
    for admin_id in settings.admin_ids:
        try:
            await bot.send_message(
                admin_id, t("setup.empty_bank", "zh"), reply_markup=demo_keyboard("zh")
            )
        except Exception:  # an admin who never opened the bot cannot be written to first
            logger.warning("could not offer the demo bank to admin %s", admin_id, exc_info=True)
    return True


@router.message(Command("setup"))
async def setup_status(message: Message, turn: Turn) -> None:
    """Organisers see the bank's size and, when it is empty, the demo-bank button."""
    total = (await bank_status(turn.session, actor=turn.acting, clock=turn.wall)).total
    if total:
        await message.answer(t("setup.bank_ready", turn.lang, count=total))
    else:
        await message.answer(
            t("setup.empty_bank", turn.lang), reply_markup=demo_keyboard(turn.lang)
        )


@router.callback_query(DemoBank.filter(F.action == "import"))
async def import_demo(query: CallbackQuery, turn: Turn) -> None:
    """The bundled demo bank, imported like any bank (organisers of all competitions)."""
    report = await validate_file(demo_bank_path())
    result = await import_bank(
        turn.session,
        actor=turn.acting,
        report=report,
        set_name=report.name or "demo",
        clock=turn.wall,
    )
    await query.answer()
    count = result.created + result.updated + result.unchanged
    text = t("setup.demo_imported", turn.lang, name=result.set_name, count=count)
    if isinstance(query.message, Message):
        await query.message.edit_text(text)
