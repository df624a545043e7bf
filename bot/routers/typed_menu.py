"""Typed menu words do what their buttons do: 排行榜, 我的成绩, 每日一练, 开始答题, 帮助 (and
"leaderboard", "my results", "practice", "start quiz", "help").

Sits after every feature router and before the fallback, outside any conversation, and hands
the message to the command's own handler, so a word and its command answer alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import F
from aiogram.filters import StateFilter
from aiogram.types import Message

from bot.dispatching import call_with
from bot.errors import install
from bot.menu_words import MenuWord
from bot.routers import menu, quiz, results
from bot.routing import Routes
from chat.turn import Turn
from i18n import t

router = install(Routes(__name__))
HANDLERS: dict[str, Callable[..., Awaitable[Any]]] = {
    "rank": results.on_rank,
    "results": results.on_results,
    "practice": quiz.on_practice,
    "quiz": quiz.on_quiz,
    "help": menu.on_help,
    "menu": menu.on_menu,
}
NEEDS_REGISTRATION = {"rank", "results", "practice", "quiz", "menu"}


@router.message(F.text, ~F.text.startswith("/"), StateFilter(None), MenuWord())
async def on_menu_word(message: Message, turn: Turn, menu_word: str, **data: Any) -> None:
    if menu_word in NEEDS_REGISTRATION and (
        turn.worker is None or turn.worker.registered_at is None
    ):
        await message.answer(t("start.need_register", turn.lang))
        return
    await call_with(HANDLERS[menu_word], message=message, turn=turn, **data)
