"""Router: the taps on a question's buttons — an option, 提交, a tick, 下一题.

The busiest router by far (a crowd taps thousands of times a minute), so it sits near the
top of the private tree (after the profile's one-line check): a tap is matched here without
walking past every organiser router. Its callback prefixes (a, s, t, n) belong to no other
router. Each handler makes one call into :mod:`contest.attempts` and shows the result with
:mod:`bot.quiz_messages`; the core sees the time the tap reached the bot (``received_at``).
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import CallbackQuery, Message

from bot.callbacks import AnswerCb, NextCb, SubmitCb, ToggleCb, positions_of
from bot.errors import Registered, install
from bot.keyboards import question_keyboard
from bot.quiz_messages import chat_of, show, show_step
from bot.render import question_text
from bot.routing import Routes
from chat.turn import Turn
from contest import attempts
from contest.quizview import QuestionView

router = install(Routes(__name__))
router.callback_query.filter(Registered())


@router.callback_query(AnswerCb.filter())
@router.callback_query(SubmitCb.filter())
async def on_answer(
    query: CallbackQuery, turn: Turn, callback_data: AnswerCb | SubmitCb, bot: Bot
) -> None:
    """An option (single choice, true/false) or 提交 (multiple choice: the ticked set)."""
    response = (
        callback_data.o if isinstance(callback_data, AnswerCb) else positions_of(callback_data.m)
    )
    step = await attempts.answer(
        turn.session,
        worker_id=turn.my_id,
        attempt_id=callback_data.a,
        position=callback_data.p,
        response=response,
        clock=turn.clock,
        tz=turn.tz,
    )
    await show_step(bot, turn, step, chat_id=chat_of(query), query=query)


@router.callback_query(ToggleCb.filter())
async def on_toggle(query: CallbackQuery, turn: Turn, callback_data: ToggleCb, bot: Bot) -> None:
    result = await attempts.toggle_option(
        turn.session,
        worker_id=turn.my_id,
        attempt_id=callback_data.a,
        position=callback_data.p,
        selection=positions_of(callback_data.m),
        clock=turn.clock,
        tz=turn.tz,
    )
    if not isinstance(result, QuestionView):
        await show_step(bot, turn, result, chat_id=chat_of(query), query=query)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            question_text(result, turn.lang, now=turn.wall()),
            reply_markup=question_keyboard(result, turn.lang),
        )


@router.callback_query(NextCb.filter())
async def on_next(query: CallbackQuery, turn: Turn, callback_data: NextCb, bot: Bot) -> None:
    item = await attempts.show_current(
        turn.session,
        worker_id=turn.my_id,
        attempt_id=callback_data.a,
        clock=turn.clock,
        tz=turn.tz,
    )
    await query.answer()
    edit = query.message if isinstance(query.message, Message) else None
    await show(bot, turn, item, chat_id=chat_of(query), edit=edit)
