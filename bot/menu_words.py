"""The words a worker may type instead of tapping a menu button (排行榜, 我的成绩, …).

Shared by the typed-menu router, which acts on them, and the quiz router, which lets them
pass instead of taking them for an answer.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from aiogram.filters import BaseFilter
from aiogram.types import Message

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


def menu_word(text: str) -> str | None:
    """The menu action a typed word names ("📊 排行榜" and "Leaderboard!" included)."""
    kept = "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum())
    return WORDS.get(kept.lower())


class MenuWord(BaseFilter):
    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        act = menu_word(message.text or "")
        return {"menu_word": act} if act else False
