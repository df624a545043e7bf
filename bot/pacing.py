"""Telegram's flood limits kept by one process: the bot-wide log, the chat buckets, the 429
pause.

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
2. a place in the bot-wide log (:class:`SendLog`: fewer than 30 in the last second, counted
   as Telegram counts them; :class:`PriorityBudget` serves replies first), never during a
   429 pause, held until the request comes back;
3. the chat's send slot, reserved when the message actually leaves (GCRA, the same burst),
   in this process and, with Redis, in all of them (``shared_slot``): a message can win its
   chat's bucket and then queue for the bot-wide slot while the next one to that chat does
   not, and Telegram counts when messages arrive, not when they were let in.

Methods that put nothing into a chat (callback answers, ``getUpdates``…) are not paced, but
a 429 pause holds them too.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

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


class SendLog:
    """Telegram's bot-wide rule as Telegram counts it: at most ``limit`` messages in any
    window of ``period`` seconds, over a log of when each message was done.

    A message counts from the moment it is let go until its request has come back, and then
    at the time it came back: Telegram counted it somewhere in between, so the next message
    let go a full ``period`` after that time can never make a window of ``limit + 1`` at
    Telegram, whatever the trip's delay. A wake-up that came late loses nothing: the log
    still allows everything the last ``period`` did not use. (A spaced token bucket — the
    aiolimiter one this replaced — forgets the slot a late wake-up skipped, and a bigger
    bucket could let a burst and a late slot make a 31st message in one second.)

    Bulk traffic is also kept ``smooth``: at most a sixth of the limit in any sixth of the
    period, so a broadcast never takes the whole second at once ahead of the replies.
    """

    def __init__(self, limit: int, period: float) -> None:
        self.limit, self.period = max(limit, 1), period
        self.burst = max(-(-self.limit // 6), 1)
        self._done: deque[float] = deque()  # loop times the requests came back, in order
        self.in_flight = 0

    def wait(self, now: float, *, smooth: bool = False) -> float:
        """Seconds until one more message may go (0: now)."""
        while self._done and self._done[0] <= now - self.period:
            self._done.popleft()
        wait = self._wait(now, self.limit, self.period)
        if smooth and wait == 0:
            return self._wait(now, self.burst, self.period / 6)
        return wait

    def _wait(self, now: float, limit: int, period: float) -> float:
        """Seconds until fewer than ``limit`` count in the last ``period``."""
        done = self._done
        recent = len(done)
        if period < self.period:  # count only the tail inside the shorter window
            recent = 0
            while recent < len(done) and done[-1 - recent] > now - period:
                recent += 1
        over = recent + self.in_flight - limit + 1
        if over <= 0:
            return 0.0
        if over > recent:  # only requests still on their way: wait for one back
            return 0.01
        return done[len(done) - recent + over - 1] + period - now

    def take(self) -> None:
        self.in_flight += 1

    def done(self, now: float) -> None:
        self.in_flight -= 1
        if self._done and now < self._done[-1]:  # keep the log ordered
            now = self._done[-1]
        self._done.append(now)


class SharedLog(Protocol):
    """The bot-wide log kept for every process (Redis, :mod:`bot.shared_limits`)."""

    async def reserve_place(self) -> str | None:
        """Wait for a place in the shared log; its name, or None when sharing failed."""

    def done(self, name: str | None) -> None:
        """The request holding ``name`` came back: it counts from now on as done."""


class PriorityBudget:
    """The bot-wide :class:`SendLog`, its waiters served by priority, then in arrival order.

    One pump task hands each free place to the best waiter; with nobody waiting and a free
    place, a message takes it directly. The pump hands out nothing during a 429 pause, so
    the end of a pause is not a burst. A message that took a place must give it back with
    :meth:`sent` once its request has come back (or failed).
    """

    def __init__(self, log: SendLog, pause: Callable[[], Awaitable[None]]) -> None:
        self.log, self._pause = log, pause
        self._waiting: list[tuple[int, int, asyncio.Future[str | None]]] = []
        self._order = itertools.count()
        self._pump: asyncio.Task[None] | None = None
        self.shared: SharedLog | None = None  # the bot's log in all processes (Redis)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def acquire(self, priority: int) -> str | None:
        """Wait for a place; the shared log's name for it (give both back with :meth:`sent`)."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        smooth = priority == BULK
        if not self._waiting and self.shared is None and self.log.wait(now, smooth=smooth) == 0:
            self.log.take()
            return None
        future: asyncio.Future[str | None] = loop.create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), future))
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._serve(), name="telegram-budget")
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # granted, then given up: give back
                self.sent(future.result())
            raise

    def sent(self, shared: str | None) -> None:
        self.log.done(asyncio.get_running_loop().time())
        if self.shared is not None:
            self.shared.done(shared)

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            await self._pause()
            smooth = self._waiting[0][0] == BULK
            if (wait := self.log.wait(loop.time(), smooth=smooth)) > 0:
                await asyncio.sleep(wait)
                continue
            self.log.take()
            name = await self.shared.reserve_place() if self.shared is not None else None
            while self._waiting:
                _, _, future = heapq.heappop(self._waiting)
                if not future.done():  # a waiter that gave up is skipped
                    future.set_result(name)
                    break
            else:  # everyone gave up meanwhile
                self.sent(name)


class Pacer:
    """The process's buckets per bot, chat and group, and the 429 pause."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        per_bot = max(int(self.limits.per_bot), 1)
        self.budget = PriorityBudget(SendLog(per_bot, 1 + self.limits.margin), self.wait_for_pause)
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

    @contextlib.asynccontextmanager
    async def turn(self, method: TelegramMethod[Any], *, bulk: bool) -> AsyncIterator[None]:
        """Wait until ``method`` may leave under Telegram's limits; send it inside the block.

        A new message holds its place in the bot-wide log until the block ends (its request
        came back or failed): from then on it counts as sent at that moment.
        """
        name = type(method).__name__
        chat_id = getattr(method, "chat_id", None)
        counted = name.startswith(_NEW_MESSAGE) or (
            name.startswith("Edit") and isinstance(chat_id, int) and chat_id < 0
        )
        if bulk and not counted and name.startswith("Edit") and isinstance(chat_id, int):
            # The outbox's edits (a question's ⏰ at its deadline) add no message to a chat,
            # but thousands falling due at once must not crowd out the replies: they take
            # bot-wide places, behind every reply.
            shared = await self.budget.acquire(BULK)
            try:
                await self.wait_for_pause()
                yield
            finally:
                self.budget.sent(shared)
            return
        if name in _NOT_LIMITED or not counted or not isinstance(chat_id, int):
            await self.wait_for_pause()
            yield
            return
        interval, burst = self.chat_pace(chat_id)
        if chat_id < 0:
            await self._bucket(self._group_buckets, chat_id, interval, 1).acquire()
        else:
            await self._bucket(self._chat_buckets, chat_id, interval, burst).acquire()
        shared = await self.budget.acquire(BULK if bulk else REPLY)
        try:
            await self._take_slot(chat_id, interval, burst)
            await self.wait_for_pause()
            yield
        finally:
            self.budget.sent(shared)

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
