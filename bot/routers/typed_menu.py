"""Typed menu words do what their buttons do: 排行榜, 我的成绩, 每日一练, 开始答题, 帮助 (and
"leaderboard", "my results", "practice", "start quiz", "help").

Sits after every feature router and before the fallback, outside any conversation, and hands
the message to the command's own handler, so a word and its command answer alike.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import F, Router
from aiogram.filters import BaseFilter, StateFilter
from aiogram.types import Message

from bot.dispatching import call_with
from bot.errors import install
from bot.routers import menu, quiz, results
from contest.models import Worker
from i18n import t

router = install(Router(name=__name__))
WORDS = {
    "排行榜": "rank",
    "排名": "rank",
    "榜单": "rank",
    "leaderboard": "rank",
    "ranking": "rank",
    "rank": "rank",
    "我的成绩": "results",
    "成绩": "results",
    "myresults": "results",
    "results": "results",
    "每日一练": "practice",
    "练习": "practice",
    "dailypractice": "practice",
    "practice": "practice",
    "开始答题": "quiz",
    "参加竞赛": "quiz",
    "答题": "quiz",
    "竞赛": "quiz",
    "startquiz": "quiz",
    "quiz": "quiz",
    "帮助": "help",
    "help": "help",
    "菜单": "menu",
    "menu": "menu",
}
HANDLERS: dict[str, Callable[..., Awaitable[Any]]] = {
    "rank": results.on_rank,
    "results": results.on_results,
    "practice": quiz.on_practice,
    "quiz": quiz.on_quiz,
    "help": menu.on_help,
    "menu": menu.on_menu,
}
NEEDS_REGISTRATION = {"rank", "results", "practice", "quiz", "menu"}


def menu_word(text: str) -> str | None:
    """The menu action a typed word names ("📊 排行榜" and "Leaderboard!" included)."""
    kept = "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum())
    return WORDS.get(kept.lower())


class MenuWord(BaseFilter):
    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        act = menu_word(message.text or "")
        return {"menu_word": act} if act else False


@router.message(F.text, ~F.text.startswith("/"), StateFilter(None), MenuWord())
async def on_menu_word(
    message: Message, menu_word: str, worker: Worker | None, lang: str, **data: Any
) -> None:
    if menu_word in NEEDS_REGISTRATION and (worker is None or worker.registered_at is None):
        await message.answer(t("start.need_register", lang))
        return
    await call_with(HANDLERS[menu_word], message=message, worker=worker, lang=lang, **data)
