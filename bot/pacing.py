"""Telegram's flood limits kept by one process: the token buckets and the 429 pause.

Telegram counts per bot and per chat (the Bot API FAQ): about 30 messages a second across
all chats, about one a second into one chat (a short burst is tolerated), 20 a minute into
a group. Every new message counts — a reply to a worker's tap as much as an announcement —
so there is **one bot-wide budget** here, and replies are served from it **ahead of bulk**
traffic (the outbox): a worker who just tapped waits behind other workers' replies, never
behind a broadcast. An edit adds no message to a chat: a reply's edits in private chats are
not paced (the next question replaces the tapped one at once); in a group they count towards
its 20 a minute; the outbox's edits in private chats (questions whose time ran out) take
bot-wide slots behind every reply, so a crowd's deadlines never starve the replies.

For each new message (or group edit), in order:

1. the group's bucket (20/min), then the chat's bucket (1/s with a burst of
   :attr:`Limits.chat_burst`): a chat that has used its share does not take bot-wide slots;
2. a bot-wide slot (:class:`PriorityBudget`, replies first), never during a 429 pause;
3. the chat's send slot, reserved when the message actually leaves (GCRA, the same burst),
   in this process and, with Redis, in all of them (``shared_slot``): a message can win its
   chat's bucket and then queue for the bot-wide slot while the next one to that chat does
   not, and Telegram counts when messages arrive, not when they were let in.

Methods that put nothing into a chat (callback answers, ``getUpdates``…) are not paced, but
a 429 pause holds them too.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram.methods import TelegramMethod
from aiolimiter import AsyncLimiter

REPLY, BULK = 0, 1  # priorities for the bot-wide budget: lower is served first

# Methods that put nothing into a chat: never paced (but a 429 pause still holds them).
_NOT_LIMITED = frozenset(
    {
        "GetUpdates",
        "GetMe",
        "GetFile",
        "SetWebhook",
        "DeleteWebhook",
        "GetWebhookInfo",
        "SetMyCommands",
        "AnswerCallbackQuery",
        "SendChatAction",
        "Close",
        "LogOut",
    }
)
_NEW_MESSAGE = ("Send", "Copy", "Forward")
_MEMORY = 50_000  # chats whose buckets are remembered; an idle chat's fresh bucket starts full

SharedSlot = Callable[[str, float, int], Awaitable[float]]
"""``(key, interval, burst) -> seconds to wait``: a send slot reserved for every process."""


@dataclass(frozen=True)
class Limits:
    """Telegram's published limits; tests scale them, production keeps the defaults."""

    per_bot: float = 30.0  # messages per second, bot-wide, every message into a chat
    per_chat: float = 1.0  # messages per second into one chat
    chat_burst: int = 2  # messages a quiet chat may get at once (Telegram tolerates ~3)
    per_group_minute: float = 20.0  # messages per minute, groups and channels
    backoff_base: float = 0.5  # network errors and 5xx: 0.5, 1, 2, 4… seconds
    backoff_max: float = 10.0
    # Seconds a request outside an update keeps trying; the outbox then backs off durably.
    give_up_after: float = 30.0
    max_retry_after: float = 600.0  # a longer retry_after is waited in steps of this
    # Headroom below each limit: requests leave the limiter and reach Telegram with a little
    # jitter, and Telegram counts in its own windows.
    margin: float = 0.02


def spaced_limiter(rate: float, period: float, margin: float, slack: float = 0.0) -> AsyncLimiter:
    """At most ``rate`` per ``period``, evenly spaced: a bucket of about one, no burst.

    A full-size bucket would let ``rate`` requests out at once and then keep flowing at
    ``rate``, which is twice the limit in the first window and earns a 429. ``slack`` (a
    fraction of one request) lets a waiter that was woken late keep its place instead of
    losing the delay: any window of ``period`` still holds at most 1 + slack + rate/(1+margin)
    requests, which stays under ``rate`` + 1 for the bot-wide bucket with slack 0.2.
    """
    capacity = 1.0 + slack
    return AsyncLimiter(capacity, capacity * period / rate * (1 + margin))


class PriorityBudget:
    """An aiolimiter bucket whose waiters are served by priority, then in arrival order.

    aiolimiter wakes its waiters in its own order, so a single pump task takes the slots
    and hands each to the best waiter; with nobody waiting, a free slot is taken directly.
    The pump does not take a slot during a 429 pause, so the end of a pause is not a burst.
    """

    def __init__(self, limiter: AsyncLimiter, pause: Callable[[], Awaitable[None]]) -> None:
        self._limiter, self._pause = limiter, pause
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._pump: asyncio.Task[None] | None = None
        self.shared: Callable[[], Awaitable[None]] | None = None  # the bot's slot, all processes

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def acquire(self, priority: int) -> None:
        if not self._waiting and self.shared is None and self._limiter.has_capacity():
            await self._limiter.acquire()  # returns at once: there is capacity
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), future))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._serve(), name="telegram-budget")
        await future

    async def _serve(self) -> None:
        while self._waiting:
            await self._pause()
            await self._limiter.acquire()
            if self.shared is not None:
                await self.shared()
            while self._waiting:
                _, _, future = heapq.heappop(self._waiting)
                if not future.done():  # a waiter that gave up is skipped
                    future.set_result(None)
                    break


class Pacer:
    """The process's buckets per bot, chat and group, and the 429 pause."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        bot_bucket = spaced_limiter(self.limits.per_bot, 1, self.limits.margin, slack=0.2)
        self.budget = PriorityBudget(bot_bucket, self.wait_for_pause)
        self._chat_buckets: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._group_buckets: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._next_slot: OrderedDict[int, float] = OrderedDict()  # GCRA: per chat
        self._paused_until = 0.0
        self.on_pause: list[Callable[[float], None]] = []  # told each 429's wall-clock end
        # With several processes (Redis): reserves a chat's send slot for all of them.
        self.shared_slot: SharedSlot | None = None

    def chat_pace(self, chat_id: int) -> tuple[float, int]:
        """Seconds between messages into ``chat_id`` and how many may go at once."""
        if chat_id < 0:
            return 60 * (1 + self.limits.margin) / self.limits.per_group_minute, 1
        return (1 + self.limits.margin) / self.limits.per_chat, self.limits.chat_burst

    async def acquire(self, method: TelegramMethod[Any], *, bulk: bool) -> None:
        """Wait until ``method`` may leave under Telegram's limits."""
        name = type(method).__name__
        chat_id = getattr(method, "chat_id", None)
        counted = name.startswith(_NEW_MESSAGE) or (
            name.startswith("Edit") and isinstance(chat_id, int) and chat_id < 0
        )
        if bulk and not counted and name.startswith("Edit") and isinstance(chat_id, int):
            # The outbox's edits (a question's ⏰ at its deadline) add no message to a chat,
            # but thousands falling due at once must not crowd out the replies: they take
            # bot-wide slots, behind every reply.
            await self.budget.acquire(BULK)
            await self.wait_for_pause()
            return
        if name in _NOT_LIMITED or not counted or not isinstance(chat_id, int):
            await self.wait_for_pause()
            return
        interval, burst = self.chat_pace(chat_id)
        if chat_id < 0:
            await self._bucket(self._group_buckets, chat_id, interval, 1).acquire()
        else:
            await self._bucket(self._chat_buckets, chat_id, interval, burst).acquire()
        await self.budget.acquire(BULK if bulk else REPLY)
        await self._take_slot(chat_id, interval, burst)
        await self.wait_for_pause()

    def pause(self, seconds: float, *, shared: bool = True) -> None:
        """Telegram said 429: nobody in this process sends for ``seconds``.

        With ``shared`` the listeners (other processes, through Redis) hear of it too.
        """
        until = asyncio.get_running_loop().time() + seconds
        if until <= self._paused_until:
            return
        self._paused_until = until
        if shared:
            for listener in self.on_pause:
                listener(time.time() + seconds)

    async def wait_for_pause(self) -> None:
        loop = asyncio.get_running_loop()
        # A pause can be extended by another 429 while we sleep: look again after waking.
        while (wait := self._paused_until - loop.time()) > 0:  # noqa: ASYNC110 - a deadline, not an event
            await asyncio.sleep(wait)

    def _bucket(
        self, store: OrderedDict[int, AsyncLimiter], chat_id: int, interval: float, burst: int
    ) -> AsyncLimiter:
        bucket = store.get(chat_id)
        if bucket is None:
            bucket = store[chat_id] = AsyncLimiter(burst, burst * interval)
            if len(store) > _MEMORY:
                store.popitem(last=False)
        else:
            store.move_to_end(chat_id)
        return bucket

    async def _take_slot(self, chat_id: int, interval: float, burst: int) -> None:
        """Reserve the chat's next send slot (GCRA) and wait for it; rarely waits."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        theoretical = max(self._next_slot.get(chat_id, now), now)
        self._next_slot[chat_id] = theoretical + interval
        self._next_slot.move_to_end(chat_id)
        if len(self._next_slot) > _MEMORY:
            self._next_slot.popitem(last=False)
        wait = theoretical - (burst - 1) * interval - now
        if wait > 0:
            await asyncio.sleep(wait)
        if self.shared_slot is not None:  # another process may have sent to it just now
            wait = await self.shared_slot(f"chat:{chat_id}", interval, burst)
            if wait > 0:
                await asyncio.sleep(wait)
