"""Router: taking a quiz in private chat — /quiz, /practice, /continue, buttons, typed answers.

Each handler parses the update, makes one call into :mod:`contest.attempts` (which checks that
the attempt belongs to whoever pressed, the position is open and the deadline not passed) and
shows the result with :mod:`bot.quiz_messages`. The core sees the time the update reached the bot
(``received_at``), so a busy moment never costs a worker time; ``clock`` is the real clock,
used when Telegram accepts a question (its clock starts then).
"""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, StateFilter
from aiogram.types import CallbackQuery, Message

from bot.board_texts import competition_lines
from bot.callbacks import MenuCb, StartCb
from bot.errors import Registered, install
from bot.keyboards import competitions_keyboard
from bot.menu_words import MenuWord
from bot.quiz_messages import chat_of, show, show_step
from bot.routing import Routes
from bot.unfinished import unfinished, with_open_question
from chat.turn import Turn
from contest import attempts
from contest.offers import competition_offers
from i18n import t

router = install(Routes(__name__))
router.message.filter(Registered())
router.callback_query.filter(Registered())


# --- starting ------------------------------------------------------------------------------


@router.message(Command("quiz"))
async def on_quiz(message: Message, turn: Turn, bot: Bot) -> None:
    await _send_offers(bot, turn, chat_id=message.chat.id)


@router.callback_query(MenuCb.filter(F.act == "quiz"))
async def on_quiz_button(query: CallbackQuery, turn: Turn, bot: Bot) -> None:
    await query.answer()
    await _send_offers(bot, turn, chat_id=chat_of(query))


async def _send_offers(bot: Bot, turn: Turn, *, chat_id: int) -> None:
    """The open competitions with their closing time, paper and the worker's attempts left."""
    offers = await competition_offers(turn.session, worker_id=turn.my_id, clock=turn.wall)
    found = await unfinished(turn)
    if not offers:
        text, markup = with_open_question(found, turn, t("quiz.no_competition", turn.lang), None)
        await bot.send_message(chat_id, text, reply_markup=markup)
        return
    text = competition_lines(offers, turn.lang, now=turn.wall())
    text, markup = with_open_question(found, turn, text, competitions_keyboard(offers))
    await bot.send_message(chat_id, text, reply_markup=markup)


@router.callback_query(StartCb.filter())
async def on_start_competition(
    query: CallbackQuery, turn: Turn, callback_data: StartCb, bot: Bot
) -> None:
    item = await attempts.start_competition(
        turn.session,
        worker=turn.me,
        competition_id=callback_data.c,
        clock=turn.clock,
        tz=turn.tz,
    )
    await query.answer()
    edit = query.message if isinstance(query.message, Message) else None
    await show(bot, turn, item, chat_id=chat_of(query), edit=edit)


@router.message(Command("practice"))
async def on_practice(message: Message, turn: Turn, bot: Bot) -> None:
    item = await attempts.start_practice(turn.session, worker=turn.me, clock=turn.clock, tz=turn.tz)
    await show(bot, turn, item, chat_id=message.chat.id)


@router.callback_query(MenuCb.filter(F.act == "practice"))
async def on_practice_button(query: CallbackQuery, turn: Turn, bot: Bot) -> None:
    item = await attempts.start_practice(turn.session, worker=turn.me, clock=turn.clock, tz=turn.tz)
    await query.answer()
    await show(bot, turn, item, chat_id=chat_of(query))


@router.message(Command("continue"))
async def on_continue(message: Message, turn: Turn, bot: Bot) -> None:
    """The open question again, with what the worker missed; or how their attempt ended."""
    item = await attempts.resume(turn.session, worker_id=turn.my_id, clock=turn.clock, tz=turn.tz)
    if item is None:
        await message.answer(t("quiz.no_active", turn.lang))
        return
    await show(bot, turn, item, chat_id=message.chat.id)


@router.message(F.text, ~F.text.startswith("/"), StateFilter(None), ~MenuWord())
async def on_typed_answer(message: Message, turn: Turn, bot: Bot) -> None:
    """Text answers the open blank question (填空题), a reply or not; other text falls through.

    A typed menu word (排行榜, 我的成绩 …) does what its button does instead: taking it for
    an answer would cost the worker the question, while the question stays open for them.
    """
    step = await attempts.answer_blank(
        turn.session,
        worker_id=turn.my_id,
        chat_id=message.chat.id,
        message_id=message.message_id,
        text=message.text or "",
        clock=turn.clock,
        tz=turn.tz,
    )
    if step is None:
        raise SkipHandler
    await show_step(bot, turn, step, chat_id=message.chat.id)
