"""A crowd of Telegram users talking to the bot at once, through its real webhook.

Each :class:`Person` builds the raw updates a phone would make (a message, a tap on a button
of the bot's latest keyboard in their chat); :func:`post_all` sends many at the same moment
to the webhook with the secret token, as Telegram does with up to 100 connections.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterable
from typing import Any

from aiohttp.test_utils import TestClient

from bot.webhook import SECRET_HEADER
from tests.fakes.telegram import FakeTelegram

_update_ids = itertools.count(10_000)


class Person:
    def __init__(self, api: FakeTelegram, user_id: int, name: str, lang: str = "zh-hans") -> None:
        self.api = api
        self.user = {"id": user_id, "is_bot": False, "first_name": name, "language_code": lang}
        self.chat = {"id": user_id, "type": "private"}

    @property
    def id(self) -> int:
        return int(self.user["id"])

    def says(self, text: str) -> dict[str, Any]:
        entities = []
        if text.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        message = {  # one id sequence with the bot's messages, as in a private chat
            "message_id": self.api.next_message_id(), "date": 1, "chat": self.chat,
            "from": self.user, "text": text, "entities": entities,
        }  # fmt: skip
        return {"update_id": next(_update_ids), "message": message}

    def taps(self, label: str) -> dict[str, Any]:
        """A tap on the button labelled ``label`` on the bot's latest keyboard in this chat."""
        message = self.keyboard_message()
        for row in message["reply_markup"]["inline_keyboard"]:
            for button in row:
                if label in button["text"]:
                    return self.taps_data(button["callback_data"], message)
        raise AssertionError(f"{self.id}: no button {label!r}")

    def taps_data(self, data: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
        query = {
            "id": str(next(_update_ids)), "from": self.user, "chat_instance": f"ci{self.id}",
            "data": data, "message": message or self.keyboard_message(),
        }  # fmt: skip
        return {"update_id": next(_update_ids), "callback_query": query}

    def messages(self) -> list[dict[str, Any]]:
        chat = self.api.chats.get(self.id, {})
        return [chat[k] for k in sorted(chat)]

    def keyboard_message(self) -> dict[str, Any]:
        for message in reversed(self.messages()):
            if (message.get("reply_markup") or {}).get("inline_keyboard"):
                return message
        raise AssertionError(f"{self.id}: no keyboard in the chat")

    def last_text(self) -> str:
        messages = self.messages()
        return str(messages[-1].get("text", "")) if messages else ""


async def post_all(client: TestClient, secret: str, updates: Iterable[dict[str, Any]]) -> None:
    """POST every update at once; each must be acknowledged with 200."""

    async def post(update: dict[str, Any]) -> int:
        response = await client.post("/webhook", json=update, headers={SECRET_HEADER: secret})
        return response.status

    statuses = await asyncio.gather(*(post(u) for u in updates))
    assert set(statuses) == {200}, statuses
