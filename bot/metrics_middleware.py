"""Measuring updates at the edge: counts by kind, handling time, reply latency, log context.

``UpdateMetricsMiddleware`` (an outer update middleware, registered before the others so its
time includes the database session) notes ``time.monotonic()`` when it first sees an update
and sets the log context (update id and kind) for as long as the update is handled.
``ReplyClock`` (a request middleware on the bot's session) notes when Telegram accepted each
call made while an update is being handled, and counts every call by method and result.

Reply latency is the time from that first sight to Telegram's acceptance of the *last*
reply made while handling the update (for an answer: the toast and the edited question).
It is an approximation on both ends: the update waited in Telegram (or in the webhook's
queue) before we saw it, and a handler that hands work to a background task is not
followed there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update

from ops import metrics
from ops.logs import update_context

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
SLOW_UPDATE_SECONDS = 2.0  # an update that takes longer is logged at WARNING


@dataclass
class _InFlight:
    received: float
    replied: float | None = None


_in_flight: ContextVar[_InFlight | None] = ContextVar("qualityquiz_in_flight", default=None)


class UpdateMetricsMiddleware(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        kind = _kind(event)
        flight = _InFlight(received=time.monotonic())
        token = _in_flight.set(flight)
        metrics.UPDATES_RECEIVED.labels(kind=kind).inc()
        result = "error"
        try:
            with update_context(event.update_id, kind):
                try:
                    outcome = await handler(event, data)
                except Exception as exc:
                    metrics.count_error("update", exc)
                    raise
                result = "unhandled" if outcome is UNHANDLED else "handled"
                return outcome
        finally:
            _in_flight.reset(token)
            _finish(event, kind, result, flight)


def _finish(update: Update, kind: str, result: str, flight: _InFlight) -> None:
    took = time.monotonic() - flight.received
    metrics.UPDATES_HANDLED.labels(kind=kind, result=result).inc()
    metrics.UPDATE_SECONDS.labels(kind=kind).observe(took)
    if flight.replied is not None:
        metrics.REPLY_SECONDS.labels(kind=kind).observe(flight.replied - flight.received)
    level = logging.WARNING if took > SLOW_UPDATE_SECONDS else logging.DEBUG
    if logger.isEnabledFor(level):
        with update_context(update.update_id, kind):
            logger.log(
                level,
                "update %s %s %s in %.1f ms",
                update.update_id,
                kind,
                result,
                took * 1000,
                extra={"latency_ms": round(took * 1000, 1)},
            )


def _kind(update: Update) -> str:
    try:
        return update.event_type
    except Exception:  # an update type newer than our aiogram
        return "unknown"


class ReplyClock(BaseRequestMiddleware):
    """Counts Bot API calls and marks, for the update in hand, when Telegram accepted one."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = type(method).__name__
        try:
            response = await make_request(bot, method)
        except Exception as exc:
            metrics.TELEGRAM_REQUESTS.labels(method=name, result=type(exc).__name__).inc()
            raise
        metrics.TELEGRAM_REQUESTS.labels(method=name, result="ok").inc()
        flight = _in_flight.get()
        if flight is not None and name != "GetUpdates":
            flight.replied = time.monotonic()
        return response
