"""An organiser's own start: /start shows the organiser menu (no worker registration), /help
adds the organiser section, and the menu's buttons do what the commands do."""

from __future__ import annotations

from typing import Literal, get_args

from aiogram import Bot
from aiogram.filters import Command, CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.admin_common import OrganiserFilter, admin_router, offer
from bot.callbacks import MenuCb
from bot.competition_dialog import begin
from bot.routers.admin_competitions import export_to, show_competitions, show_stats
from bot.routers.admin_schedules import show_schedules
from bot.routers.admin_teams import show_teams
from chat.turn import Turn
from config import Settings
from contest.models import Worker
from i18n import t

router = admin_router(__name__)
HomeAction = Literal[
    "competitions",
    "new",
    "schedule",
    "schedules",
    "stats",
    "export",
    "broadcast",
    "teams",
    "upload",
    "help",
]
ACTIONS: tuple[HomeAction, ...] = get_args(HomeAction)


class HomeCb(CallbackData, prefix="org"):
    act: HomeAction


def home_keyboard(lang: str, *, worker: bool = False) -> InlineKeyboardMarkup:
    """The organiser menu, two buttons a row; a registered organiser also gets theirs."""
    builder = InlineKeyboardBuilder()
    for act in ACTIONS:
        builder.button(text=t(f"admin.home.button.{act}", lang), callback_data=HomeCb(act=act))
    if worker:
        builder.button(
            text=t("admin.home.button.worker_menu", lang), callback_data=MenuCb(act="menu")
        )
    builder.adjust(2)
    return builder.as_markup()


def _registered(worker: Worker | None) -> bool:
    return worker is not None and worker.registered_at is not None


@router.message(CommandStart(), OrganiserFilter())
async def on_start(message: Message, turn: Turn, state: FSMContext) -> None:
    """Organisers are not participants: no registration, their own menu."""
    await state.clear()
    await message.answer(
        t("admin.home.welcome", turn.lang),
        reply_markup=home_keyboard(turn.lang, worker=_registered(turn.worker)),
    )


def help_text(lang: str) -> str:
    return f"{t('menu.help', lang)}\n\n{t('admin.help', lang)}\n\n{t('admin.help_more', lang)}"


@router.message(Command("help"), OrganiserFilter())
async def on_help(message: Message, turn: Turn) -> None:
    await message.answer(
        help_text(turn.lang), reply_markup=home_keyboard(turn.lang, worker=_registered(turn.worker))
    )


@router.callback_query(HomeCb.filter())
async def on_button(
    query: CallbackQuery,
    turn: Turn,
    callback_data: HomeCb,
    bot: Bot,
    state: FSMContext,
    settings: Settings,
) -> None:
    assert isinstance(query.message, Message)
    message, act = query.message, callback_data.act
    if act == "competitions":
        await show_competitions(message, turn)
    elif act == "new":
        await begin(message, turn, state)
    elif act == "schedule":
        await offer(message, turn, "set_schedule")
    elif act == "schedules":
        await show_schedules(message, turn)
    elif act in ("stats", "export"):
        only = await offer(message, turn, act)
        if only is not None and only.id is not None and act == "stats":
            await show_stats(message, turn, only.id, settings)
        elif only is not None and only.id is not None:
            await export_to(message, turn, only.id)
    elif act == "broadcast":
        await offer(message, turn, "broadcast")
    elif act == "teams":
        await show_teams(message, bot, turn)
    elif act == "upload":
        await message.answer(t("admin.home.upload_hint", turn.lang))
    else:
        await message.answer(help_text(turn.lang), reply_markup=home_keyboard(turn.lang))
    await query.answer()
