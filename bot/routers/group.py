"""Router: the bot in a group — /rank shows the leaderboard; quizzes go to private chat.

The bot never runs a quiz in a group: quiz commands here only answer with a deep-link
button (``t.me/<bot>?start=quiz``) that opens the private chat.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import Command
from aiogram.types import InlineKeyboardMarkup, Message

from bot.board_texts import leaderboard_text
from bot.errors import install
from bot.keyboards import url_keyboard
from bot.routers.start import QUIZ_PAYLOAD
from bot.routing import Routes
from chat.turn import Turn
from contest.attempts import board_competition_id
from contest.leaderboard import competition_leaderboard
from contest.offers import quiz_link_payload
from i18n import t

router = install(Routes(__name__))


async def _private_button(bot: Bot, lang: str, competition_id: int | None) -> InlineKeyboardMarkup:
    """去答题: the private chat, on the competition the group's board is about (if any)."""
    me = await bot.me()
    payload = QUIZ_PAYLOAD if competition_id is None else quiz_link_payload(competition_id)
    return url_keyboard(t("group.open_bot", lang), f"https://t.me/{me.username}?start={payload}")


@router.message(Command("rank"))
async def on_group_rank(message: Message, turn: Turn, bot: Bot) -> None:
    competition_id = await board_competition_id(turn.session, clock=turn.wall)
    if competition_id is None:
        text = t("results.no_board", turn.lang)
    else:
        board = await competition_leaderboard(turn.session, competition_id=competition_id, limit=10)
        text = leaderboard_text(board, turn.lang, show_me=False)
    text = f"{text}\n\n{t('group.quiz_in_private', turn.lang)}"
    button = await _private_button(bot, turn.lang, competition_id)
    await message.answer(text, reply_markup=button)


@router.message(Command("quiz", "practice", "continue", "start", "results"))
async def on_group_quiz(message: Message, turn: Turn, bot: Bot) -> None:
    competition_id = await board_competition_id(turn.session, clock=turn.wall)
    button = await _private_button(bot, turn.lang, competition_id)
    await message.answer(t("group.quiz_in_private", turn.lang), reply_markup=button)
