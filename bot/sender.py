"""The one path every outgoing Bot API call takes: Telegram's limits, retries, blocked users.

Installed as an aiogram request middleware on a bot's session. Every message into a chat
waits for its turn under Telegram's limits (:mod:`bot.pacing`: one bot-wide budget, replies
ahead of the outbox's bulk traffic, per chat and per group). Both bots of a process — the
one that replies and the outbox's, built with ``bulk=True`` — share one :class:`Pacer`.

A request is retried until it succeeds or its **deadline** passes, never a fixed number of
times: a 429 pauses every request (and, with Redis, every process) for ``retry_after``;
network errors and 5xx back off exponentially. The deadline is the update's (its usefulness,
set by the intake with :func:`reply_deadline`) or, outside an update (the outbox),
:attr:`Limits.give_up_after` from the first try. A 403 (the user blocked the bot, or the bot
was removed from the group) is reported once to ``on_blocked`` and raised. Before a request
made while an update is handled, the update's open database transaction is ended
(:func:`bot.context.end_transaction`): no connection waits on Telegram.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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

from bot.context import end_transaction
from bot.pacing import Limits, Pacer
from ops.metrics import count_retry_after

__all__ = ["BlockedHook", "Limits", "Pacer", "TelegramLimits", "reply_deadline"]

logger = logging.getLogger(__name__)

BlockedHook = Callable[[int], Awaitable[None]]

_deadline: ContextVar[float | None] = ContextVar("qualityquiz_reply_deadline", default=None)


@contextmanager
def reply_deadline(at: float) -> Iterator[None]:
    """Requests made inside (an update's handling) keep trying until loop time ``at``."""
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


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
        loop = asyncio.get_running_loop()
        deadline = _deadline.get() or loop.time() + self.limits.give_up_after
        attempt = 0
        while True:
            try:
                async with self.pacer.turn(method, bulk=self.bulk):
                    return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                wait = float(exc.retry_after)
                logger.warning("429 on %s: every request waits %.1fs", type(method).__name__, wait)
                count_retry_after(type(method).__name__, wait)
                self.pacer.pause(min(wait, self.limits.max_retry_after))
                if loop.time() + wait > deadline:
                    raise
            except (TelegramNetworkError, TelegramServerError) as exc:
                attempt += 1
                wait = min(self.limits.backoff_base * 2 ** (attempt - 1), self.limits.backoff_max)
                if loop.time() + wait > deadline:
                    raise
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
