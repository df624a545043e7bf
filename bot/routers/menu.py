"""Router: the main menu (每日一练 / 参加竞赛 / 排行榜 / 我的成绩 / 帮助) and /help."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.callbacks import MenuCb
from bot.errors import Registered, install
from bot.keyboards import menu_keyboard
from bot.routing import Routes
from bot.unfinished import unfinished, with_open_question
from chat.turn import Turn
from i18n import t

router = install(Routes(__name__))


@router.message(Command("menu"), Registered())
async def on_menu(message: Message, turn: Turn) -> None:
    found = await unfinished(turn)
    text, markup = with_open_question(
        found, turn, t("menu.title", turn.lang), menu_keyboard(turn.lang)
    )
    await message.answer(text, reply_markup=markup)


@router.callback_query(MenuCb.filter(F.act == "menu"), Registered())
async def on_menu_button(query: CallbackQuery, turn: Turn) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            t("menu.title", turn.lang), reply_markup=menu_keyboard(turn.lang)
        )


@router.message(Command("help"))
async def on_help(message: Message, turn: Turn) -> None:
    await message.answer(t("menu.help", turn.lang), reply_markup=menu_keyboard(turn.lang))


@router.callback_query(MenuCb.filter(F.act == "help"))
async def on_help_button(query: CallbackQuery, turn: Turn) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(t("menu.help", turn.lang), reply_markup=menu_keyboard(turn.lang))
