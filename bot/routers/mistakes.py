"""Router: 错题本 — /mistakes retries the questions a worker got wrong (practice, and
competitions once closed), as a practice round; the close's review points here."""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import Command
from aiogram.types import Message

from bot.errors import Registered, install
from bot.quiz_messages import show
from bot.routing import Routes
from chat.turn import Turn
from contest import attempts
from contest.mistakes import mistake_questions
from i18n import t

router = install(Routes(__name__))
router.message.filter(Registered())


@router.message(Command("mistakes"))
async def on_mistakes(message: Message, turn: Turn, bot: Bot) -> None:
    book = await mistake_questions(turn.session, worker_id=turn.my_id)
    item = await attempts.start_practice(
        turn.session,
        worker=turn.me,
        clock=turn.clock,
        tz=turn.tz,
        mistakes=True,
    )
    note = t("mistakes.started", turn.lang, n=len(book), round=min(len(book), attempts.ROUND))
    await show(bot, turn, item, chat_id=message.chat.id, note=note)
