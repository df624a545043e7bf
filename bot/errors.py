"""Turns a refused operation (``ContestError``) into a translated reply, for our routers.

A domain error is an expected outcome (a name too short, no attempts left), not a crash: the
worker reads why in their language and nothing changed. Installed as an inner middleware on
each worker-facing router, so handlers stay free of try/except.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.render import error_text
from contest.errors import ContestError
from contest.models import Worker

logger = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class ContestErrorReply(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except ContestError as error:
            logger.info("refused: %s", error)
            safe = ContestError(error.code, **{k: _safe(v) for k, v in error.params.items()})
            text = error_text(safe, data.get("lang", "zh"))
            if isinstance(event, CallbackQuery):
                await event.answer(text[:200], show_alert=True)
            elif isinstance(event, Message):
                await event.answer(text)
            return None


def _safe(value: Any) -> Any:
    return escape(value) if isinstance(value, str) else value


def install(router: Router) -> Router:
    """Attach the error reply to the router's messages and callback queries."""
    router.message.middleware(ContestErrorReply())
    router.callback_query.middleware(ContestErrorReply())
    return router


class Registered(Filter):
    """Passes when the user is (or, with ``False``, is not) a registered worker."""

    def __init__(self, registered: bool = True) -> None:
        self.registered = registered

    async def __call__(self, event: TelegramObject, worker: Worker | None = None) -> bool:
        done = worker is not None and worker.registered_at is not None
        return done == self.registered
