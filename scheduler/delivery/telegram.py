"""Telegram: one outbox row is one Bot API call through the bulk bot (paced by bot.sender)."""

from __future__ import annotations

import json
from datetime import date

from aiogram import Bot
from aiogram.types import BufferedInputFile, Message

from contest.outbox import OutboxMessage
from scheduler.certificate import CertificateData, certificate_png, participation_png

# Pictures queued as their data (JSON ``CertificateData``), drawn just before they are sent:
# a close queues one per participant, and drawing thousands up front would hold the job.
DRAWN = frozenset({"certificate", "card"})


class CannotDraw(Exception):
    """A queued picture's data could not be drawn; the row fails rather than retrying."""


async def _drawn(message: OutboxMessage) -> bytes:
    try:
        data = json.loads((message.payload or b"{}").decode())
        card = CertificateData(**(data | {"day": date.fromisoformat(data["day"])}))
        if message.kind == "certificate":
            return await certificate_png(card)
        return await participation_png(card)
    except Exception as exc:
        raise CannotDraw(str(exc)) from exc


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
