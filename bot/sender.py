"""The one path every outgoing Bot API call takes: Telegram's limits, retries, blocked users.

Installed as an aiogram request middleware on a bot's session. Two kinds of sending (the Bot
API FAQ's ~30 messages/s is guidance for bulk notifications):

- **Replies** to a worker's own action — the callback answer, the edit of the message they
  tapped, the reply in their chat — are paced per chat only: 1 message/s per chat, 20/min
  per group. Callback answers put nothing into a chat and are not paced at all.
- **Bulk** traffic (the outbox: announcements, broadcasts, reminders, results) goes through
  a bot built with ``bulk=True`` and also keeps the bot-wide budget of about 30 messages/s.

Both kinds share one :class:`Pacer` per process, so a chat's spacing holds whichever kind
writes to it, and a 429 anywhere pauses every request for its ``retry_after``, as Telegram
asks. Network errors and 5xx are retried with exponential backoff; a 403 (the user blocked
the bot, or the bot was removed from the group) is reported once to ``on_blocked`` and
raised. Before a request made while an update is handled, the update's open database
transaction is ended (:func:`bot.context.end_transaction`): no connection waits on Telegram.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiolimiter import AsyncLimiter

from bot.context import end_transaction
from ops.metrics import count_retry_after

logger = logging.getLogger(__name__)

BlockedHook = Callable[[int], Awaitable[None]]

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
        "Close",
        "LogOut",
    }
)
_INTO_CHAT = ("Send", "Copy", "Forward", "Edit")
_MEMORY = 50_000  # chats whose buckets are remembered; an idle chat's fresh bucket starts full


@dataclass(frozen=True)
class Limits:
    """Telegram's published limits; tests scale them, production keeps the defaults."""

    per_bot: float = 30.0  # messages per second, bot-wide, bulk only
    per_chat: float = 1.0  # messages per second, any chat
    per_group_minute: float = 20.0  # messages per minute, groups and channels
    max_retries: int = 5
    backoff_base: float = 0.5
    max_retry_after: float = 120.0
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


class Pacer:
    """The process's token buckets (aiolimiter) per bot, chat and group, and the 429 pause."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._bot_bucket = spaced_limiter(self.limits.per_bot, 1, self.limits.margin, slack=0.2)
        self._chat_buckets: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._group_buckets: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._last_send: OrderedDict[int, float] = OrderedDict()
        self._paused_until = 0.0
        self.on_pause: list[Callable[[float], None]] = []  # told each 429's wall-clock end
        # With several processes: reserves a chat's next slot for all of them (Redis); the
        # seconds to wait for it.
        self.shared_spacing: Callable[[int, float], Awaitable[float]] | None = None

    async def acquire(self, method: TelegramMethod[Any], *, bulk: bool) -> None:
        """Wait until ``method`` may leave under Telegram's limits."""
        name = type(method).__name__
        chat_id = getattr(method, "chat_id", None)
        if name in _NOT_LIMITED or not name.startswith(_INTO_CHAT) or not isinstance(chat_id, int):
            if bulk and name not in _NOT_LIMITED:
                await self._bot_bucket.acquire()
            await self._wait_for_pause()
            return
        if chat_id < 0:
            group = self._bucket(self._group_buckets, chat_id, self.limits.per_group_minute, 60)
            await group.acquire()
        await self._bucket(self._chat_buckets, chat_id, self.limits.per_chat, 1).acquire()
        if bulk:
            await self._bot_bucket.acquire()
        await self._wait_for_pause()
        await self._keep_spacing(chat_id)

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

    async def _wait_for_pause(self) -> None:
        loop = asyncio.get_running_loop()
        # A pause can be extended by another 429 while we sleep: look again after waking.
        for _ in range(100):
            wait = self._paused_until - loop.time()
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    def _bucket(
        self, store: OrderedDict[int, AsyncLimiter], chat_id: int, rate: float, period: float
    ) -> AsyncLimiter:
        bucket = store.get(chat_id)
        if bucket is None:
            bucket = store[chat_id] = spaced_limiter(rate, period, self.limits.margin)
            if len(store) > _MEMORY:
                store.popitem(last=False)
        else:
            store.move_to_end(chat_id)
        return bucket

    async def _keep_spacing(self, chat_id: int) -> None:
        """Space messages to one chat by when they leave, not by when their bucket let them in.

        A message that got its chat (or group) slot may still queue for the bot-wide bucket
        or a 429 pause, and the next one to that chat may queue less: measured at Telegram
        the two would arrive closer than the limit. Rarely waits, and then only briefly.
        """
        per_second = self.limits.per_group_minute / 60 if chat_id < 0 else self.limits.per_chat
        spacing = (1 + self.limits.margin) / per_second
        loop = asyncio.get_running_loop()
        for _ in range(100):  # another message to this chat may slip in while we sleep
            last = self._last_send.get(chat_id)
            wait = 0.0 if last is None else last + spacing - loop.time()
            if wait <= 0:
                break
            await asyncio.sleep(wait)
        if self.shared_spacing is not None:  # another process may have sent to it just now
            wait = await self.shared_spacing(chat_id, spacing)
            if wait > 0:
                await asyncio.sleep(wait)
        self._last_send[chat_id] = loop.time()
        self._last_send.move_to_end(chat_id)
        if len(self._last_send) > _MEMORY:
            self._last_send.popitem(last=False)


class TelegramLimits(BaseRequestMiddleware):
    """The request middleware: pacing by :class:`Pacer`, plus the retry policy."""

    def __init__(
        self,
        limits: Limits | None = None,
        on_blocked: BlockedHook | None = None,
        *,
        pacer: Pacer | None = None,
        bulk: bool = False,
    ) -> None:
        self.pacer = pacer or Pacer(limits)
        self.limits = self.pacer.limits
        self.on_blocked = on_blocked
        self.bulk = bulk

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        await end_transaction()
        _pin_response_type(method)
        attempt = 0
        while True:
            await self.pacer.acquire(method, bulk=self.bulk)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                attempt += 1
                if attempt > self.limits.max_retries:
                    raise
                wait = min(float(exc.retry_after), self.limits.max_retry_after)
                logger.warning("429 on %s: every request waits %.1fs", type(method).__name__, wait)
                count_retry_after(type(method).__name__, wait)
                self.pacer.pause(wait)
            except (TelegramNetworkError, TelegramServerError) as exc:
                attempt += 1
                if attempt > self.limits.max_retries:
                    raise
                wait = self.limits.backoff_base * 2 ** (attempt - 1)
                logger.warning(
                    "%s on %s, retry %d in %.1fs",
                    type(exc).__name__,
                    type(method).__name__,
                    attempt,
                    wait,
                )
                await asyncio.sleep(wait)
            except TelegramBadRequest as exc:
                # A callback answered after a retry or a restart may have expired: nothing
                # to show any more, and nothing to fail over.
                if type(method).__name__ == "AnswerCallbackQuery" and _expired_query(exc):
                    logger.info("callback query expired before it was answered")
                    return cast(Response[TelegramType], True)
                raise
            except TelegramForbiddenError:
                chat_id = getattr(method, "chat_id", None)
                if self.on_blocked is not None and isinstance(chat_id, int):
                    await self.on_blocked(chat_id)
                raise


def _expired_query(error: TelegramBadRequest) -> bool:
    message = error.message.lower()
    return "query is too old" in message or "query id is invalid" in message


_RESPONSE_TYPES: dict[type[Any], Any] = {}


def _pin_response_type(method: TelegramMethod[Any]) -> None:
    """Keep aiogram's ``Response[<result type>]`` class of each method alive.

    aiogram builds ``Response[method.__returning__]`` for every reply it parses, and pydantic
    keeps parametrised models in a weak-value cache: between two calls the class is often
    collected and built again, which measured at a quarter of the bot's CPU under load.
    """
    kind = type(method)
    if kind not in _RESPONSE_TYPES:
        _RESPONSE_TYPES[kind] = Response[method.__returning__]  # type: ignore[name-defined]
