"""Telegram: one outbox row is one Bot API call through the bulk bot (paced by bot.sender)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, Message

from contest.outbox import Buttons, OutboxMessage, payload_of
from scheduler.certificate import CannotDraw, draw_queued

__all__ = ["CannotDraw", "keyboard", "send"]

# Pictures queued as their data, drawn just before they are sent.
DRAWN = frozenset({"certificate", "card"})


async def _drawn(message: OutboxMessage) -> bytes:
    return await draw_queued(message.kind, message.payload)


async def send(bot: Bot, message: OutboxMessage) -> Message:
    if message.kind in DRAWN:
        png = BufferedInputFile(await _drawn(message), message.filename or f"{message.kind}.png")
        return await bot.send_photo(message.chat_id, png, caption=message.text or None)
    if message.kind == "photo":
        photo = BufferedInputFile(message.payload or b"", message.filename or "leaderboard.png")
        return await bot.send_photo(message.chat_id, photo, caption=message.text or None)
    if message.kind == "document":
        document = BufferedInputFile(message.payload or b"", message.filename or "file.bin")
        return await bot.send_document(message.chat_id, document, caption=message.text or None)
    data = payload_of(message)
    markup = await keyboard(bot, data.get("buttons"))
    if message.kind == "edit":
        edited = await bot.edit_message_text(
            message.text,
            chat_id=message.chat_id,
            message_id=int(data["message_id"]),
            reply_markup=markup,
        )
        assert isinstance(edited, Message)  # a chat message, not an inline one
        return edited
    return await bot.send_message(message.chat_id, message.text, reply_markup=markup)


async def keyboard(bot: Bot, buttons: Buttons | None) -> InlineKeyboardMarkup | None:
    """A row's stored buttons as Telegram's; a deep link gets the bot's name (getMe,
    asked once per bot and remembered by aiogram)."""
    if not buttons:
        return None
    rows = []
    for row in buttons:
        out = []
        for button in row:
            if "start" in button:
                me = await bot.me()
                url = f"https://t.me/{me.username}?start={button['start']}"
                out.append(InlineKeyboardButton(text=button["text"], url=url))
            elif "url" in button:
                out.append(InlineKeyboardButton(text=button["text"], url=button["url"]))
            else:
                data = button["callback"]
                out.append(InlineKeyboardButton(text=button["text"], callback_data=data))
        rows.append(out)
    return InlineKeyboardMarkup(inline_keyboard=rows)
