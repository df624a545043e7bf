"""Phones seen from Telegram's side of a webhook: they send updates and wait for the reply.

A :class:`Phone` is one worker's private chat with the bot, played against a bot that runs
as its own process in webhook mode and talks to :class:`tests.fakes.bot_api_server.
BotApiServer`: it delivers an update to the bot's webhook (as Telegram posts it, with the
secret token) and waits until the bot's reply — a new message or an edit — arrives in its
chat at the Bot API server.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from tests.fakes.bot_api_server import BotApiServer, Call

FIRST_USER = 1_000_000
_ids = itertools.count(1)


class NoReply(Exception):
    """The bot did not answer in this chat in time."""


class Phone:
    def __init__(self, api: BotApiServer, user_id: int) -> None:
        self.api, self.user_id = api, user_id
        self.user = {"id": user_id, "is_bot": False, "first_name": "工人", "language_code": "zh"}
        self._waiter: asyncio.Future[Call] | None = None
        api.listen(user_id, self._on_call)

    def _on_call(self, call: Call, message: dict[str, Any] | None) -> None:
        waiter = self._waiter
        if call.method in ("editmessagetext", "sendmessage") and waiter and not waiter.done():
            waiter.set_result(call)

    def expect_reply(self) -> asyncio.Future[Call]:
        """A future for the next message or edit in this chat."""
        self._waiter = asyncio.get_running_loop().create_future()
        return self._waiter

    async def send(self, update: dict[str, Any], *, wait: float = 120.0) -> float:
        """Deliver ``update`` and wait for the reply; the seconds it took (raises NoReply)."""
        reply = self.expect_reply()
        started = time.monotonic()
        status = await self.api.deliver(update)
        if status != 200:
            raise NoReply(f"webhook answered {status}")
        try:
            await asyncio.wait_for(reply, wait)
        except TimeoutError:
            raise NoReply(f"no reply in chat {self.user_id} within {wait:.0f} s") from None
        return time.monotonic() - started

    def says(self, text: str) -> dict[str, Any]:
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        message = {"message_id": next(_ids), "date": int(time.time()),
                   "chat": {"id": self.user_id, "type": "private"}, "from": self.user,
                   "text": text, "entities": entities if text.startswith("/") else []}  # fmt: skip
        return {"update_id": next(_ids), "message": message}

    def taps_first_button(self) -> dict[str, Any]:
        """A tap on the first button of the bot's latest keyboard in this chat."""
        message = next(
            m for m in reversed(self.api.messages(self.user_id))
            if (m.get("reply_markup") or {}).get("inline_keyboard")
        )  # fmt: skip
        data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        query = {"id": str(next(_ids)), "from": self.user, "chat_instance": f"ci{self.user_id}",
                 "data": data, "message": message}  # fmt: skip
        return {"update_id": next(_ids), "callback_query": query}
