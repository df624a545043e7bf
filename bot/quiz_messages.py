"""Putting quiz screens into the chat: one message per question, edited in place.

Choice questions replace the previous question's text in the same message; a blank question
needs a ``force_reply`` prompt, which cannot be edited into, so it (and whatever follows it)
is a new message. Every screen goes out after the core has committed. When a question's
message is accepted by Telegram its clock is moved to that moment, and the message showing
the attempt is remembered (one short transaction), so a reply after a restart still finds
its question; a question that could not be delivered has its clock stopped.
"""

from __future__ import annotations

import logging
from functools import partial

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, ForceReply, InlineKeyboardMarkup, Message

from bot.context import write_soon
from bot.keyboards import after_summary_keyboard, next_keyboard, question_keyboard
from bot.render import (
    feedback_line,
    feedback_text,
    missed_text,
    question_text,
    summary_text,
    toast,
)
from chat.turn import Turn
from contest.attempts.state import question_delivered, question_undelivered, remember_message
from contest.models import AttemptKind
from contest.quizview import QuestionView, Step, Summary
from i18n import t
from ops.metrics import count_answer
from quizbank.models import QuestionType

logger = logging.getLogger(__name__)


def chat_of(query: CallbackQuery) -> int:
    """The chat a tapped button is in (the user's own for an inline message)."""
    return query.message.chat.id if query.message else query.from_user.id


async def put(
    bot: Bot,
    *,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | ForceReply | None,
    edit: Message | None,
) -> int:
    """Edit ``edit`` in place when given (and possible), else send; the message id."""
    if edit is not None and not isinstance(markup, ForceReply):
        try:
            await bot.edit_message_text(
                text, chat_id=chat_id, message_id=edit.message_id, reply_markup=markup
            )
            return edit.message_id
        except TelegramBadRequest as error:
            if "not modified" in error.message:
                return edit.message_id
            logger.info("cannot edit message %s (%s); sending anew", edit.message_id, error)
    sent = await bot.send_message(chat_id, text, reply_markup=markup)
    return sent.message_id


async def show(
    bot: Bot,
    turn: Turn,
    item: QuestionView | Summary,
    *,
    chat_id: int,
    edit: Message | None = None,
    note: str | None = None,
) -> None:
    """A question (with its keyboard or reply prompt) or an attempt's summary, below ``note``
    and what the worker missed since they last looked."""
    note = "\n\n".join(part for part in (note, missed_text(item.missed, turn.lang)) if part) or None
    if isinstance(item, Summary):
        text = "\n\n".join(part for part in (note, summary_text(item, turn.lang)) if part)
        markup: InlineKeyboardMarkup | ForceReply | None = after_summary_keyboard(
            turn.lang, practice=item.kind == AttemptKind.PRACTICE
        )
        await put(bot, chat_id=chat_id, text=text, markup=markup, edit=edit)
        return
    markup = question_keyboard(item, turn.lang)
    if item.qtype is QuestionType.BLANK:
        if edit is not None:  # the old message keeps the note but loses its buttons
            await put(
                bot, chat_id=chat_id, text=note or edit.html_text or "…", markup=None, edit=edit
            )
            note = None
        markup = ForceReply(input_field_placeholder=t("quiz.type.blank", turn.lang))
    text = question_text(item, turn.lang, note=note, now=turn.wall())
    try:
        message_id = await put(bot, chat_id=chat_id, text=text, markup=markup, edit=edit)
    except Exception:
        await question_undelivered(turn.session, view=item)
        await turn.session.commit()
        raise
    again = _shown_again(item, chat_id=chat_id, message_id=message_id)
    if again:
        await _retire(bot, chat_id=chat_id, message_id=item.message_id)
    if _new_message(item, chat_id=chat_id, message_id=message_id) or again:
        # At once, not with the batch below: the worker's next text is told apart from a
        # stale one by this id (contest.attempts.answer_blank), and a question whose time
        # runs out is marked in this message (contest.attempts.deadlines).
        await remember_message(
            turn.session, attempt_id=item.attempt_id, chat_id=chat_id, message_id=message_id
        )
        await turn.session.commit()
    await write_soon(partial(question_delivered, view=item, at=turn.wall()))


def _shown_again(item: QuestionView, *, chat_id: int, message_id: int) -> bool:
    """A choice question shown again in a newer message than the one it was in (/continue,
    the button under /start): the older one's buttons go. A blank question's prompt stays
    the one remembered: a text typed before it was shown again still answers it."""
    return (
        not item.fresh
        and item.qtype is not QuestionType.BLANK
        and item.message_id is not None
        and item.chat_id == chat_id
        and message_id > item.message_id
    )


async def _retire(bot: Bot, *, chat_id: int, message_id: int | None) -> None:
    """Take the buttons off a message that no longer shows the open question (tapping them
    would still be safe: a closed position scores nothing)."""
    if message_id is None:
        return
    try:
        await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id)
    except TelegramBadRequest as error:  # gone, too old, or not ours: nothing to take off
        logger.info("cannot retire message %s (%s)", message_id, error)


def _new_message(item: QuestionView, *, chat_id: int, message_id: int) -> bool:
    """A question first shown in another message than the attempt's latest (a blank's
    prompt, or the message after one); an edit in place or a question shown again is not."""
    moved = message_id != item.message_id or chat_id != item.chat_id
    return moved and (item.fresh or item.message_id is None or chat_id != item.chat_id)


async def show_step(
    bot: Bot, turn: Turn, step: Step, *, chat_id: int, query: CallbackQuery | None = None
) -> None:
    """The outcome of an answer: a toast, then the next question, the answer, or the summary."""
    count_answer(step.outcome)
    edit = query.message if query is not None and isinstance(query.message, Message) else None
    if step.outcome == "empty":
        await _tell(bot, query, chat_id, t("quiz.empty_selection", turn.lang))
        return
    if step.outcome == "closed" or step.feedback is None:
        current = step.next or step.summary
        if query is None:  # a typed text that answered nothing: say so, and show where they are
            # (a summary says itself why the attempt is over)
            note = None if isinstance(current, Summary) else t("quiz.text_not_counted", turn.lang)
            if current is None:
                await bot.send_message(chat_id, t("quiz.text_not_counted", turn.lang))
            else:
                await show(bot, turn, current, chat_id=chat_id, note=note)
            return
        await query.answer(t("quiz.closed", turn.lang))
        if current is not None and edit is not None:
            await show(bot, turn, current, chat_id=chat_id, edit=edit)
        return
    feedback = step.feedback
    if query is not None:
        await query.answer(toast(feedback, turn.lang))
    if step.summary is not None:
        await show(
            bot,
            turn,
            step.summary,
            chat_id=chat_id,
            edit=edit,
            note=feedback_text(feedback, turn.lang),
        )
    elif step.paused or step.next is None:
        await put(
            bot,
            chat_id=chat_id,
            text=feedback_text(feedback, turn.lang),
            markup=next_keyboard(step.attempt_id or 0, turn.lang),
            edit=edit,
        )
    else:
        await show(
            bot,
            turn,
            step.next,
            chat_id=chat_id,
            edit=edit,
            note=feedback_line(feedback, turn.lang),
        )


async def _tell(bot: Bot, query: CallbackQuery | None, chat_id: int, text: str) -> None:
    if query is not None:
        await query.answer(text)
    else:
        await bot.send_message(chat_id, text)
