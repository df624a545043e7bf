"""A fake Bot API that enforces Telegram's flood limits: 429 with ``retry_after`` when exceeded.

Limits, counted on accepted sends with the fake's own clock (``time.monotonic``): more than
30 messages in any 1 s window bot-wide, more than 1 in any 1 s window per chat, or more than
20 in any 60 s window per group (negative chat id) earns a 429 and is not delivered.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from typing import Any

from tests.fakes.telegram import FakeTelegram

SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})


class LimitedTelegram(FakeTelegram):
    def __init__(self, *, per_bot: int = 30, per_chat: int = 1, per_group_minute: int = 20) -> None:
        super().__init__()
        self.per_bot, self.per_chat, self.per_group_minute = per_bot, per_chat, per_group_minute
        self._all: deque[float] = deque()
        self._chats: dict[int, deque[float]] = defaultdict(deque)
        self._groups: dict[int, deque[float]] = defaultdict(deque)
        self.accepted: list[tuple[float, int, str]] = []  # (monotonic time, chat, method)
        self.rejected: list[tuple[float, int, str]] = []

    @staticmethod
    def _count(window: deque[float], now: float, span: float) -> int:
        while window and window[0] <= now - span:
            window.popleft()
        return len(window)

    def _too_many(self, chat_id: int, now: float) -> bool:
        if self._count(self._all, now, 1.0) >= self.per_bot:
            return True
        if self._count(self._chats[chat_id], now, 1.0) >= self.per_chat:
            return True
        return (
            chat_id < 0 and self._count(self._groups[chat_id], now, 60.0) >= self.per_group_minute
        )

    def _respond(
        self, name: str, params: dict[str, Any], files: dict[str, bytes]
    ) -> tuple[int, dict[str, Any]]:
        if name not in SEND_METHODS or self._errors[name]:
            return super()._respond(name, params, files)
        chat_id, now = int(params["chat_id"]), time.monotonic()
        if self._too_many(chat_id, now):
            self.rejected.append((now, chat_id, name))
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
        status, body = super()._respond(name, params, files)
        if status == 200:
            self.accepted.append((now, chat_id, name))
            self._all.append(now)
            self._chats[chat_id].append(now)
            if chat_id < 0:
                self._groups[chat_id].append(now)
        return status, body

    def delivered(self) -> list[tuple[int, str]]:
        """(chat, method) of every accepted send, in order."""
        return [(chat, method) for _, chat, method in self.accepted]
