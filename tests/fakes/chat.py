"""Drive the real dispatcher like a person in a chat: send text, press buttons, upload files."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update

from tests.fakes.telegram import BOT_ID, BOT_USERNAME, FakeTelegram, Request

_update_ids = itertools.count(1)


class ChatDriver:
    """One Telegram user in one chat (private by default), talking to the bot under test."""

    def __init__(
        self,
        dp: Dispatcher,
        bot: Bot,
        api: FakeTelegram,
        *,
        user_id: int,
        first_name: str = "张三",
        language_code: str | None = "zh-hans",
        chat_id: int | None = None,
        chat_type: str = "private",
        username: str | None = None,
    ) -> None:
        self.dp, self.bot, self.api = dp, bot, api
        self.user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            self.user["language_code"] = language_code
        if username:
            self.user["username"] = username
        self.chat_id = chat_id if chat_id is not None else user_id
        self.chat = {"id": self.chat_id, "type": chat_type}
        if chat_type != "private":
            self.chat["title"] = "质量月群"

    # -- sending -----------------------------------------------------------------------
    async def feed(self, payload: dict[str, Any]) -> list[Request]:
        """Feed one raw update; return the requests the bot made while handling it."""
        before = len(self.api.requests)
        update = Update.model_validate(
            {"update_id": next(_update_ids), **payload}, context={"bot": self.bot}
        )
        await self.dp.feed_update(self.bot, update)
        return self.api.requests[before:]

    def _message(self, **fields: Any) -> dict[str, Any]:
        return {
            "message_id": self.api.next_message_id(),
            "date": int(datetime.now(UTC).timestamp()),
            "chat": self.chat,
            "from": self.user,
            **fields,
        }

    async def send(self, text: str, **fields: Any) -> list[Request]:
        entities = []
        if text.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return await self.feed({"message": self._message(text=text, entities=entities, **fields)})

    async def reply(self, text: str, to: Request | None = None) -> list[Request]:
        """Answer a force_reply prompt (a blank question): reply to the bot's last message."""
        target = self._stored(to) if to is not None else self.last_bot_message()
        return await self.send(text, reply_to_message=target)

    async def send_document(
        self, file_id: str, file_name: str, *, size: int, mime_type: str | None = None
    ) -> list[Request]:
        document = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": file_name,
            "file_size": size,
        }
        if mime_type:
            document["mime_type"] = mime_type
        return await self.feed({"message": self._message(document=document)})

    async def send_sticker(self) -> list[Request]:
        sticker = {
            "file_id": "st",
            "file_unique_id": "st",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        return await self.feed({"message": self._message(sticker=sticker)})

    async def callback(self, data: str, message: dict[str, Any] | None = None) -> list[Request]:
        """A raw callback query (also a forged or stale one) on ``message``."""
        message = message or self.last_bot_message()
        query = {
            "id": str(next(_update_ids)),
            "from": self.user,
            "chat_instance": "ci",
            "data": data,
            "message": message,
        }
        return await self.feed({"callback_query": query})

    async def press(self, label: str, message: dict[str, Any] | None = None) -> list[Request]:
        """Press the inline button whose text contains ``label`` on the latest keyboard."""
        message = message or self.last_keyboard_message()
        for row in message["reply_markup"]["inline_keyboard"]:
            for button in row:
                if label in button["text"] and "callback_data" in button:
                    return await self.callback(button["callback_data"], message)
        labels = [b["text"] for r in message["reply_markup"]["inline_keyboard"] for b in r]
        raise AssertionError(f"no button {label!r} in {labels}")

    # -- reading -----------------------------------------------------------------------
    def messages(self) -> list[dict[str, Any]]:
        chat = self.api.chats.get(self.chat_id, {})
        return [chat[k] for k in sorted(chat)]

    def last_bot_message(self) -> dict[str, Any]:
        messages = self.messages()
        assert messages, "the bot has sent nothing to this chat"
        return messages[-1]

    def last_keyboard_message(self) -> dict[str, Any]:
        for message in reversed(self.messages()):
            if (message.get("reply_markup") or {}).get("inline_keyboard"):
                return message
        raise AssertionError("no message with an inline keyboard in this chat")

    def button_labels(self, message: dict[str, Any] | None = None) -> list[str]:
        message = message or self.last_keyboard_message()
        return [b["text"] for r in message["reply_markup"]["inline_keyboard"] for b in r]

    def _stored(self, request: Request) -> dict[str, Any]:
        for message in reversed(self.messages()):
            if message.get("text") == request.params.get("text"):
                return message
        raise AssertionError("request not found among the chat's messages")


def bot_user() -> dict[str, Any]:
    return {"id": BOT_ID, "is_bot": True, "first_name": "QualityQuiz", "username": BOT_USERNAME}
