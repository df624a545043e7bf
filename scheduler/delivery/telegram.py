"""Telegram: one outbox row is one Bot API call through the bulk bot (paced by bot.sender)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BufferedInputFile, Message

from contest.outbox import OutboxMessage
from scheduler.certificate import CannotDraw, draw_queued

__all__ = ["CannotDraw", "send"]

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
    return await bot.send_message(message.chat_id, message.text)
