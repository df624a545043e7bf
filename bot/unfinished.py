"""The question left open, said above /start, /menu and /quiz with a button back to it.

A worker who sends /start in the middle of a question must not lose it behind a menu while
its clock runs: the reply says which competition, question k of n and the time left, and
its first button shows the question again (:class:`bot.callbacks.NextCb`, the same path as
下一题: it applies deadlines, says what was missed, and never scores anything twice).
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import NextCb
from chat.notices import open_question_button, open_question_text
from chat.turn import Turn
from contest.attempts.unfinished import OpenQuestion, open_question


async def unfinished(turn: Turn) -> OpenQuestion | None:
    """The worker's open question as it stands when the update arrived."""
    return await open_question(turn.session, worker_id=turn.my_id, clock=turn.clock, tz=turn.tz)


def with_open_question(
    found: OpenQuestion | None, turn: Turn, text: str, markup: InlineKeyboardMarkup | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """``text`` and ``markup`` with the open question said first and its button on top."""
    if found is None:
        return text, markup
    notice = open_question_text(found, turn.lang, now=turn.clock())
    label = open_question_button(found, turn.lang)
    back = InlineKeyboardButton(text=label, callback_data=NextCb(a=found.attempt_id).pack())
    rows = [[back], *(markup.inline_keyboard if markup is not None else [])]
    return f"{notice}\n\n{text}", InlineKeyboardMarkup(inline_keyboard=rows)
