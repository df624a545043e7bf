"""The one place a refusal becomes words: ``ContestError`` (a code and parameters) → the
reader's language, for workers and organisers alike.

A domain error is an expected outcome (a name too short, no attempts left, not an
organiser), not a crash: the reader learns why in their language and nothing changed.
:class:`ContestErrorReply` is installed on every router as an inner middleware, so handlers
stay free of try/except and of translation.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Awaitable, Callable
from contextlib import suppress
from html import escape
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.long_text import send_text
from bot.routing import Routes
from chat.turn import Turn, settle_refusal
from contest.definition_words import issue_text
from contest.errors import BankRejected, ContestError, DefinitionRejected, RosterRejected
from contest.models import Worker
from i18n import catalogue, t

logger = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
WORKER_KEYS = ("quiz.error", "contest.error")
ORGANISER_KEYS = ("admin.error", "contest.error", "quiz.error")
SHOWN_PROBLEMS = 10
ALERT_LIMIT = 200  # Telegram's limit for a callback answer


def error_text(error: ContestError, lang: str, *, organiser: bool = False) -> str:
    """``error`` in ``lang`` (HTML, its parameters escaped), with the listed problems of a
    rejected definition, roster or bank; a code without a translation reads generically."""
    params = {k: escape(v) if isinstance(v, str) else v for k, v in error.params.items()}
    text = t("quiz.error.generic", lang)
    for prefix in ORGANISER_KEYS if organiser else WORKER_KEYS:
        key = f"{prefix}.{error.code}"
        if key in catalogue(lang) or key in catalogue("zh"):
            try:
                text = t(key, lang, **params)
            except (KeyError, IndexError):  # a parameter the text needs was not given
                text = t(key, lang, **{**params, **_blanks(key, lang)})
            break
    return "\n".join([text, *_problems(error, lang)])


def _blanks(key: str, lang: str) -> dict[str, str]:
    return {name: "?" for _, name, _, _ in string.Formatter().parse(t(key, lang)) if name}


def _problems(error: ContestError, lang: str) -> list[str]:
    if isinstance(error, DefinitionRejected):
        lines = [f"• {escape(issue_text(issue, lang))}" for issue in error.issues]
    elif isinstance(error, RosterRejected | BankRejected):
        lines = [f"• {escape(e.describe(lang))}" for e in error.errors]
    else:
        return []
    more = len(lines) - SHOWN_PROBLEMS
    tail = [t("admin.more_problems", lang, count=more)] if more > 0 else []
    return lines[:SHOWN_PROBLEMS] + tail


class ContestErrorReply(BaseMiddleware):
    def __init__(self, *, organiser: bool = False) -> None:
        self.organiser = organiser

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except ContestError as error:
            logger.info("refused: %s", error)
            turn: Turn = data["turn"]
            await settle_refusal(turn.session, error)
            text = error_text(error, turn.lang, organiser=self.organiser)
            if isinstance(event, CallbackQuery):
                await _answer_query(event, text)
            elif isinstance(event, Message):
                await send_text(event, text, filename="problems.txt")
            return None


async def _answer_query(query: CallbackQuery, text: str) -> None:
    """A short refusal as an alert; a long one (a list of problems), or one for a press the
    handler already answered, in the chat."""
    if len(text) <= ALERT_LIMIT and "<" not in text:
        try:
            await query.answer(text, show_alert=True)
            return
        except TelegramBadRequest:  # answered already (a slow action answers first)
            pass
    else:
        with suppress(TelegramBadRequest):
            await query.answer()
    if isinstance(query.message, Message):
        await send_text(query.message, text, filename="problems.txt")


def install(router: Routes, *, organiser: bool = False) -> Routes:
    """Attach the error reply to the router's messages and callback queries."""
    router.message.middleware(ContestErrorReply(organiser=organiser))
    router.callback_query.middleware(ContestErrorReply(organiser=organiser))
    return router


class Registered(Filter):
    """Passes when the user is (or, with ``False``, is not) a registered worker."""

    def __init__(self, registered: bool = True) -> None:
        self.registered = registered

    async def __call__(self, event: TelegramObject, worker: Worker | None = None) -> bool:
        done = worker is not None and worker.registered_at is not None
        return done == self.registered
