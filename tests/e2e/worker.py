"""A simulated worker: a Telegram user driving the bot through the emulator's client API.

The emulator's client side (``/sendMessage``, ``/sendCommand``, ``/sendCallback``,
``/getUpdatesHistory``) is what a phone would be: the worker sends text, taps inline
buttons, replies to a force-reply prompt, and reads the chat as it stands, edits included.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import ClientSession

T = TypeVar("T")
POLL_INTERVAL = 0.05
DEFAULT_TIMEOUT = 10.0  # seconds any one step of the bot may take


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class BotMessage:
    """A bot message as the chat shows it now (after any edits)."""

    message_id: int
    text: str
    markup: dict[str, Any] = field(default_factory=dict)

    @property
    def buttons(self) -> list[Button]:
        rows = self.markup.get("inline_keyboard") or []
        return [
            Button(b.get("text", ""), b.get("callback_data"), b.get("url"))
            for row in rows
            for b in row
        ]

    @property
    def force_reply(self) -> bool:
        return bool(self.markup.get("force_reply"))

    @property
    def keyboard(self) -> list[str]:
        """Labels of a reply keyboard (the menu under the input field)."""
        rows = self.markup.get("keyboard") or []
        return [b if isinstance(b, str) else b.get("text", "") for row in rows for b in row]

    def button(self, label: str) -> Button:
        """The inline button whose label is ``label``, or failing that, contains it."""
        exact = [b for b in self.buttons if b.text == label]
        near = [b for b in self.buttons if label in b.text]
        found = exact or near
        if len(found) != 1:
            raise AssertionError(f"no single button {label!r} in {self.describe()}")
        return found[0]

    def describe(self) -> str:
        labels = [b.text for b in self.buttons] or self.keyboard
        return f"#{self.message_id} {self.text!r} buttons={labels}"


async def eventually(
    check: Callable[[], T | None], *, what: str, within: float = DEFAULT_TIMEOUT
) -> T:
    """Poll a local condition (e.g. the proxy's record) until it holds."""
    deadline = time.monotonic() + within
    while (result := check()) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(POLL_INTERVAL)
    return result


class SimulatedWorker:
    """One Telegram user in a private chat with the bot."""

    def __init__(
        self,
        http: ClientSession,
        emulator_url: str,
        bot_token: str,
        *,
        user_id: int,
        first_name: str,
        language_code: str = "zh-hans",
    ) -> None:
        self.http = http
        self.url = emulator_url
        self.token = bot_token
        self.user = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "username": f"worker{user_id}",
            "language_code": language_code,
        }
        self.chat = {"id": user_id, "type": "private", "first_name": first_name}

    # -- acting ----------------------------------------------------------------------------

    async def send(self, text: str, *, reply_to: BotMessage | None = None) -> None:
        """Type ``text``; a leading ``/command`` is sent with its bot_command entity."""
        message: dict[str, Any] = {
            "botToken": self.token,
            "from": self.user,
            "chat": self.chat,
            "date": int(time.time()),
            "text": text,
        }
        if reply_to is not None:
            message["reply_to_message"] = self._as_telegram_message(reply_to)
        route = "/sendMessage"
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
            route = "/sendCommand"
        await self._post(route, message)

    async def tap(self, message: BotMessage, label: str) -> Button:
        """Tap the inline button ``label`` on ``message`` (possibly an old, stale one)."""
        button = message.button(label)
        assert button.callback_data is not None, f"{label!r} is not a callback button"
        await self._post(
            "/sendCallback",
            {
                "botToken": self.token,
                "from": self.user,
                "message": self._as_telegram_message(message),
                "data": button.callback_data,
            },
        )
        return button

    def _as_telegram_message(self, message: BotMessage) -> dict[str, Any]:
        bot_id = int(self.token.split(":", 1)[0])
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "from": {"id": bot_id, "is_bot": True, "first_name": "QualityQuiz"},
            "chat": self.chat,
            "date": int(time.time()),
            "text": message.text,
        }
        if message.markup.get("inline_keyboard"):
            result["reply_markup"] = {"inline_keyboard": message.markup["inline_keyboard"]}
        return result

    async def _post(self, route: str, body: dict[str, Any]) -> Any:
        async with self.http.post(self.url + route, json=body) as response:
            response.raise_for_status()
            return await response.json(content_type=None)

    # -- reading the chat ------------------------------------------------------------------

    async def messages(self) -> list[BotMessage]:
        """The bot's messages in this chat, oldest first, as they read now."""
        history = await self._post("/getUpdatesHistory", {"token": self.token})
        found = []
        for entry in history["result"]:
            sent = entry.get("message") or {}
            if "chat_id" not in sent or str(sent["chat_id"]) != str(self.chat["id"]):
                continue  # the user's own updates carry "chat", the bot's carry "chat_id"
            markup = sent.get("reply_markup") or {}
            found.append(BotMessage(int(entry["messageId"]), sent.get("text", ""), markup))
        return sorted(found, key=lambda m: m.message_id)

    async def wait_for(
        self,
        check: Callable[[list[BotMessage]], T | None],
        *,
        what: str,
        within: float = DEFAULT_TIMEOUT,
    ) -> T:
        """Poll the chat until ``check`` returns something; fail with the chat on timeout."""
        deadline = time.monotonic() + within
        while True:
            messages = await self.messages()
            result = check(messages)
            if result is not None:
                return result
            if time.monotonic() > deadline:
                chat = "\n  ".join(m.describe() for m in messages[-6:])
                raise AssertionError(f"timed out waiting for {what}; chat ends with:\n  {chat}")
            await asyncio.sleep(POLL_INTERVAL)

    async def last_id(self) -> int:
        messages = await self.messages()
        return messages[-1].message_id if messages else 0

    async def next_message(
        self, *, after: int, contains: str = "", within: float = DEFAULT_TIMEOUT
    ) -> BotMessage:
        """The first bot message newer than ``after`` whose text contains ``contains``."""

        def check(messages: list[BotMessage]) -> BotMessage | None:
            return next((m for m in messages if m.message_id > after and contains in m.text), None)

        return await self.wait_for(check, what=f"a new message with {contains!r}", within=within)

    async def changed(self, message: BotMessage, *, within: float = DEFAULT_TIMEOUT) -> BotMessage:
        """``message`` once the bot has edited it (text or buttons differ)."""

        def check(messages: list[BotMessage]) -> BotMessage | None:
            now = next((m for m in messages if m.message_id == message.message_id), None)
            return now if now is not None and now != message else None

        return await self.wait_for(check, what=f"an edit of {message.describe()}", within=within)
