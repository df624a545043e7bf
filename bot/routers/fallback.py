"""Router: whatever no feature handled — stickers, photos, edited messages, unknown commands,
stale or unknown buttons — gets a short, friendly, translated answer.

Only private chats get replies to stray messages: in a group the bot stays quiet.
"""

from __future__ import annotations

from aiogram import F
from aiogram.types import CallbackQuery, Message

from bot.routing import Routes
from chat.turn import Turn
from i18n import t

router = Routes(__name__)


@router.edited_message(F.chat.type == "private")
async def on_edited(message: Message, turn: Turn) -> None:
    await message.answer(t("fallback.edited", turn.lang))


@router.message(F.chat.type == "private", F.text.startswith("/"))
async def on_unknown_command(message: Message, turn: Turn) -> None:
    await message.answer(t("fallback.unknown_command", turn.lang))


@router.message(F.chat.type == "private", F.text)
async def on_text(message: Message, turn: Turn) -> None:
    """Text no feature took: no question waits for a typed answer (the quiz router answers
    an open blank question), so say what the worker can do instead."""
    registered = turn.worker is not None and turn.worker.registered_at is not None
    await message.answer(
        t("fallback.no_question" if registered else "start.need_register", turn.lang)
    )


@router.message(F.chat.type == "private")
async def on_anything(message: Message, turn: Turn) -> None:
    await message.answer(t("fallback.not_understood", turn.lang))


@router.callback_query()
async def on_stale_button(query: CallbackQuery, turn: Turn) -> None:
    await query.answer(t("fallback.stale_button", turn.lang), show_alert=True)
