"""Router: taking a quiz in private chat — /quiz, /practice, /continue, buttons, typed answers.

Each handler parses the update, makes one call into :mod:`contest.attempts` (which checks that
the attempt belongs to whoever pressed, the position is open and the deadline not passed) and
shows the result with :mod:`bot.screens`. The core sees the time the update reached the bot
(``received_at``), so a busy moment never costs a worker time; ``clock`` is the real clock,
used when Telegram accepts a question (its clock starts then).
"""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, StateFilter
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import MenuCb, StartCb
from bot.errors import Registered, install
from bot.keyboards import competitions_keyboard
from bot.menu_words import MenuWord
from bot.render import competition_lines
from bot.screens import show, show_step
from config import Settings
from contest import attempts
from contest.models import Worker
from contest.offers import competition_offers
from i18n import t
from storage.types import Clock, fixed_clock

router = install(Router(name=__name__))
router.message.filter(Registered())
router.callback_query.filter(Registered())


def _chat(query: CallbackQuery) -> int:
    return query.message.chat.id if query.message else query.from_user.id


# --- starting ------------------------------------------------------------------------------


@router.message(Command("quiz"))
async def on_quiz(
    message: Message, session: AsyncSession, worker: Worker, lang: str, clock: Clock, bot: Bot
) -> None:
    await _send_offers(bot, session, worker, lang, clock, chat_id=message.chat.id)


@router.callback_query(MenuCb.filter(F.act == "quiz"))
async def on_quiz_button(
    query: CallbackQuery, session: AsyncSession, worker: Worker, lang: str, clock: Clock, bot: Bot
) -> None:
    await query.answer()
    await _send_offers(bot, session, worker, lang, clock, chat_id=_chat(query))


async def _send_offers(
    bot: Bot, session: AsyncSession, worker: Worker, lang: str, clock: Clock, *, chat_id: int
) -> None:
    """The open competitions with their closing time, paper and the worker's attempts left."""
    offers = await competition_offers(session, worker_id=int(worker.id or 0), clock=clock)
    if not offers:
        await bot.send_message(chat_id, t("quiz.no_competition", lang))
        return
    text = competition_lines(offers, lang, now=clock())
    await bot.send_message(chat_id, text, reply_markup=competitions_keyboard(offers))


@router.callback_query(StartCb.filter())
async def on_start_competition(
    query: CallbackQuery,
    callback_data: StartCb,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    clock: Clock,
    received_at: datetime,
    settings: Settings,
    bot: Bot,
) -> None:
    item = await attempts.start_competition(
        session,
        worker=worker,
        competition_id=callback_data.c,
        clock=fixed_clock(received_at),
        tz=settings.timezone,
    )
    await query.answer()
    edit = query.message if isinstance(query.message, Message) else None
    await show(bot, session, item, lang, chat_id=_chat(query), edit=edit, clock=clock)


@router.message(Command("practice"))
async def on_practice(
    message: Message,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    clock: Clock,
    received_at: datetime,
    settings: Settings,
    bot: Bot,
) -> None:
    item = await attempts.start_practice(
        session, worker=worker, clock=fixed_clock(received_at), tz=settings.timezone
    )
    await show(bot, session, item, lang, chat_id=message.chat.id, clock=clock)


@router.callback_query(MenuCb.filter(F.act == "practice"))
async def on_practice_button(
    query: CallbackQuery,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    clock: Clock,
    received_at: datetime,
    settings: Settings,
    bot: Bot,
) -> None:
    item = await attempts.start_practice(
        session, worker=worker, clock=fixed_clock(received_at), tz=settings.timezone
    )
    await query.answer()
    await show(bot, session, item, lang, chat_id=_chat(query), clock=clock)


@router.message(Command("continue"))
async def on_continue(
    message: Message,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    clock: Clock,
    received_at: datetime,
    settings: Settings,
    bot: Bot,
) -> None:
    """The open question again, with what the worker missed; or how their attempt ended."""
    item = await attempts.resume(
        session, worker_id=int(worker.id or 0), clock=fixed_clock(received_at), tz=settings.timezone
    )
    if item is None:
        await message.answer(t("quiz.no_active", lang))
        return
    await show(bot, session, item, lang, chat_id=message.chat.id, clock=clock)


@router.message(F.text, ~F.text.startswith("/"), StateFilter(None), ~MenuWord())
async def on_typed_answer(
    message: Message,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    clock: Clock,
    received_at: datetime,
    settings: Settings,
    bot: Bot,
) -> None:
    """Text answers the open blank question (填空题), a reply or not; other text falls through.

    A typed menu word (排行榜, 我的成绩 …) does what its button does instead: taking it for
    an answer would cost the worker the question, while the question stays open for them.
    """
    step = await attempts.answer_blank(
        session,
        worker_id=int(worker.id or 0),
        chat_id=message.chat.id,
        message_id=message.message_id,
        text=message.text or "",
        clock=fixed_clock(received_at),
        tz=settings.timezone,
    )
    if step is None:
        raise SkipHandler
    await show_step(bot, session, step, lang, chat_id=message.chat.id, clock=clock)
