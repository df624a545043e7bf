"""Router: the taps on a question's buttons — an option, 提交, a tick, 下一题.

The busiest router by far (a crowd taps thousands of times a minute), so it sits near the
top of the private tree (after the profile's one-line check): a tap is matched here without
walking past every organiser router. Its callback prefixes (a, s, t, n) belong to no other
router. Each handler makes one call into :mod:`contest.attempts` and shows the result with
:mod:`bot.screens`; the core sees the time the tap reached the bot (``received_at``).
"""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AnswerCb, NextCb, SubmitCb, ToggleCb, positions_of
from bot.errors import Registered, install
from bot.keyboards import question_keyboard
from bot.render import question_text
from bot.screens import show, show_step
from config import Settings
from contest import attempts
from contest.models import Worker
from contest.quizview import QuestionView
from storage.types import Clock, fixed_clock

router = install(Router(name=__name__))
router.callback_query.filter(Registered())


def _chat(query: CallbackQuery) -> int:
    return query.message.chat.id if query.message else query.from_user.id


@router.callback_query(AnswerCb.filter())
@router.callback_query(SubmitCb.filter())
async def on_answer(
    query: CallbackQuery,
    callback_data: AnswerCb | SubmitCb,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    clock: Clock,
    received_at: datetime,
    settings: Settings,
    bot: Bot,
) -> None:
    """An option (single choice, true/false) or 提交 (multiple choice: the ticked set)."""
    response = (
        callback_data.o if isinstance(callback_data, AnswerCb) else positions_of(callback_data.m)
    )
    step = await attempts.answer(
        session,
        worker_id=int(worker.id or 0),
        attempt_id=callback_data.a,
        position=callback_data.p,
        response=response,
        clock=fixed_clock(received_at),
        tz=settings.timezone,
    )
    await show_step(bot, session, step, lang, chat_id=_chat(query), query=query, clock=clock)


@router.callback_query(ToggleCb.filter())
async def on_toggle(
    query: CallbackQuery,
    callback_data: ToggleCb,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    clock: Clock,
    received_at: datetime,
    settings: Settings,
    bot: Bot,
) -> None:
    result = await attempts.toggle_option(
        session,
        worker_id=int(worker.id or 0),
        attempt_id=callback_data.a,
        position=callback_data.p,
        selection=positions_of(callback_data.m),
        clock=fixed_clock(received_at),
        tz=settings.timezone,
    )
    if not isinstance(result, QuestionView):
        await show_step(bot, session, result, lang, chat_id=_chat(query), query=query, clock=clock)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            question_text(result, lang, now=clock()), reply_markup=question_keyboard(result, lang)
        )


@router.callback_query(NextCb.filter())
async def on_next(
    query: CallbackQuery,
    callback_data: NextCb,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    clock: Clock,
    received_at: datetime,
    settings: Settings,
    bot: Bot,
) -> None:
    item = await attempts.show_current(
        session,
        worker_id=int(worker.id or 0),
        attempt_id=callback_data.a,
        clock=fixed_clock(received_at),
        tz=settings.timezone,
    )
    await query.answer()
    edit = query.message if isinstance(query.message, Message) else None
    await show(bot, session, item, lang, chat_id=_chat(query), edit=edit, clock=clock)
