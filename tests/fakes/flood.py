"""Telegram's flood control as the Bot API FAQ states it, for every fake Bot API we run.

Counted on every new message — sent, copied or forwarded, a reply to a tap as much as a
broadcast — at the moment it arrives (``time.monotonic``); an edit adds no message to a
chat and counts only in a group:

- **bot-wide**: more than 30 in any 1 s window;
- **per chat**: about one a second, with a short burst: a token bucket of ``chat_burst``
  (3) refilled at one a second;
- **per group** (a negative chat id): more than 20 in any 60 s window.

A message over a limit is refused with Telegram's 429 and a ``retry_after`` (whole seconds,
at least 1) saying when it would pass; it is not delivered and not counted. Methods that
put nothing into a chat (``answerCallbackQuery``, ``sendChatAction``, ``getUpdates``…) pass.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

NEW_MESSAGE = ("send", "copy", "forward")
NOT_A_MESSAGE = frozenset({"sendchataction"})


def counts(method: str, chat_id: int) -> bool:
    """Whether a call of ``method`` (any case) into ``chat_id`` counts against the limits."""
    name = method.lower()
    if name.startswith("edit"):
        return chat_id < 0
    return name.startswith(NEW_MESSAGE) and name not in NOT_A_MESSAGE


@dataclass
class FloodControl:
    per_bot: int = 30
    per_chat: float = 1.0
    chat_burst: int = 3
    per_group_minute: int = 20
    clock: Callable[[], float] = time.monotonic
    accepted: list[tuple[float, int, str]] = field(default_factory=list)  # (time, chat, method)
    rejected: list[tuple[float, int, str]] = field(default_factory=list)
    _bot: deque[float] = field(default_factory=deque)
    _chats: dict[int, float] = field(default_factory=dict)  # GCRA: next theoretical slot
    _groups: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def check(self, method: str, chat_id: int) -> float | None:
        """None when the message may land now (and counts it); else seconds to wait."""
        now = self.clock()
        wait = self._wait(chat_id, now)
        if wait > 0:
            self.rejected.append((now, chat_id, method))
            return wait
        self.accepted.append((now, chat_id, method))
        self._bot.append(now)
        interval = 1 / self.per_chat
        self._chats[chat_id] = max(self._chats.get(chat_id, now), now) + interval
        if chat_id < 0:
            self._groups[chat_id].append(now)
        return None

    def retry_after(self, wait: float) -> int:
        return max(1, math.ceil(wait))

    def _wait(self, chat_id: int, now: float) -> float:
        waits = [0.0]
        while self._bot and self._bot[0] <= now - 1.0:
            self._bot.popleft()
        if len(self._bot) >= self.per_bot:
            waits.append(self._bot[len(self._bot) - self.per_bot] + 1.0 - now)
        interval = 1 / self.per_chat
        slot = max(self._chats.get(chat_id, now), now)
        waits.append(slot - (self.chat_burst - 1) * interval - now)
        if chat_id < 0:
            group = self._groups[chat_id]
            while group and group[0] <= now - 60.0:
                group.popleft()
            if len(group) >= self.per_group_minute:
                waits.append(group[len(group) - self.per_group_minute] + 60.0 - now)
        return max(waits)

    def delivered(self) -> list[tuple[int, str]]:
        """(chat, method) of every accepted message, in order."""
        return [(chat, method) for _, chat, method in self.accepted]

    def peak_per_second(self) -> int:
        """The most messages accepted in any 1 s window."""
        times = [t for t, _, _ in self.accepted]
        peak, start = 0, 0
        for end, at in enumerate(times):
            while times[start] <= at - 1.0:
                start += 1
            peak = max(peak, end - start + 1)
        return peak


def too_many_requests(retry_after: int) -> dict[str, Any]:
    """Telegram's 429 body."""
    return {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {retry_after}",
        "parameters": {"retry_after": retry_after},
    }
