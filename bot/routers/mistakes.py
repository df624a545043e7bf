"""Router: 错题本 — /mistakes retries the questions a worker got wrong (practice, and
competitions once closed), as a practice round; the close's review points here. While a
competition the worker has answered in is still running, the reply says when its mistakes
join the book (an empty book mid-contest is not the whole story)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import Command
from aiogram.types import Message

from bot.errors import Registered, error_text, install
from bot.quiz_messages import show
from bot.routing import Routes
from chat.notices import waiting_book_text
from chat.turn import Turn
from contest import attempts
from contest.errors import ContestError
from contest.mistakes import mistake_questions, waiting_for_close
from i18n import t

router = install(Routes(__name__))
router.message.filter(Registered())


@router.message(Command("mistakes"))
async def on_mistakes(message: Message, turn: Turn, bot: Bot) -> None:
    book = await mistake_questions(turn.session, worker_id=turn.my_id)
    waiting = waiting_book_text(
        await waiting_for_close(turn.session, worker_id=turn.my_id), turn.lang
    )
    try:
        item = await attempts.start_practice(
            turn.session, worker=turn.me, clock=turn.clock, tz=turn.tz, mistakes=True
        )
    except ContestError as error:
        if error.code != "no_mistakes" or waiting is None:
            raise
        await message.answer(f"{error_text(error, turn.lang)}\n\n{waiting}")
        return
    note = t("mistakes.started", turn.lang, n=len(book), round=min(len(book), attempts.ROUND))
    if waiting is not None:
        note = f"{note}\n{waiting}"
    await show(bot, turn, item, chat_id=message.chat.id, note=note)
