"""Router: first-start setup — offer the bundled demo bank while the question bank is empty."""

from __future__ import annotations

import logging
from typing import Literal

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_common import OrganiserFilter, refuse
from bot.roles import is_organiser
from config import Settings
from i18n import t
from quizbank.formats import ImportRejected
from quizbank.service import bank_stats, demo_bank_path, import_questions, validate_file
from storage.types import Clock

logger = logging.getLogger(__name__)
router = Router(name=__name__)


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


@router.message(Command("setup"), OrganiserFilter())
async def setup_status(
    message: Message, session: AsyncSession, settings: Settings, lang: str, clock: Clock
) -> None:
    """Organisers see the bank's size and, when it is empty, the demo-bank button."""
    total = (await bank_stats(session)).total
    if total:
        await message.answer(t("setup.bank_ready", lang, count=total))
    else:
        await message.answer(t("setup.empty_bank", lang), reply_markup=demo_keyboard(lang))


@router.callback_query(DemoBank.filter(F.action == "import"))
async def import_demo(
    query: CallbackQuery, session: AsyncSession, settings: Settings, lang: str
) -> None:
    if not await is_organiser(
        session, settings=settings, telegram_id=query.from_user.id, global_only=True
    ):
        await query.answer(t("admin.refused", lang), show_alert=True)
        return
    report = await validate_file(demo_bank_path())
    try:
        result = await import_questions(
            session,
            report=report,
            set_name=report.name or "demo",
            uploaded_by=str(query.from_user.id),
            source_filename=demo_bank_path().name,
        )
    except ImportRejected:  # the bundled file is tested; this would be a packaging fault
        logger.exception("the bundled demo bank was rejected")
        await query.answer(t("common.unknown_error", lang), show_alert=True)
        return
    await query.answer()
    count = result.created + result.updated + result.unchanged
    text = t("setup.demo_imported", lang, name=result.set_name, count=count)
    if isinstance(query.message, Message):
        await query.message.edit_text(text)


@router.message(Command("setup"))
async def refuse_setup(message: Message, session: AsyncSession, lang: str, clock: Clock) -> None:
    """Anyone but an organiser: the same polite, audited refusal as every admin command."""
    await refuse(message, session, lang=lang, clock=clock)
