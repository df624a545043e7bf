"""Router: the bot in a group — /rank shows the leaderboard; quizzes go to private chat.

The bot never runs a quiz in a group: quiz commands here only answer with a deep-link
button (``t.me/<bot>?start=quiz``) that opens the private chat.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import Command
from aiogram.types import Message

from bot.board_texts import leaderboard_text
from bot.errors import install
from bot.keyboards import url_keyboard
from bot.routers.start import QUIZ_PAYLOAD
from bot.routing import Routes
from chat.turn import Turn
from contest.attempts import board_competition_id
from contest.leaderboard import competition_leaderboard
from i18n import t

router = install(Routes(__name__))


async def _private_button(bot: Bot, lang: str):  # type: ignore[no-untyped-def]
    me = await bot.me()
    url = f"https://t.me/{me.username}?start={QUIZ_PAYLOAD}"
    return url_keyboard(t("group.open_bot", lang), url)


@router.message(Command("rank"))
async def on_group_rank(message: Message, turn: Turn, bot: Bot) -> None:
    competition_id = await board_competition_id(turn.session, clock=turn.wall)
    if competition_id is None:
        text = t("results.no_board", turn.lang)
    else:
        board = await competition_leaderboard(turn.session, competition_id=competition_id, limit=10)
        text = leaderboard_text(board, turn.lang, show_me=False)
    text = f"{text}\n\n{t('group.quiz_in_private', turn.lang)}"
    await message.answer(text, reply_markup=await _private_button(bot, turn.lang))


@router.message(Command("quiz", "practice", "continue", "start", "results"))
async def on_group_quiz(message: Message, turn: Turn, bot: Bot) -> None:
    await message.answer(
        t("group.quiz_in_private", turn.lang), reply_markup=await _private_button(bot, turn.lang)
    )
