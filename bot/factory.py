"""Builds the Bot and the Dispatcher; ``main.py``/``cli.run`` wire them to settings and storage."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import ErrorEvent
from redis.exceptions import RedisError
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.intake import Overloaded
from bot.language import language_of
from bot.metrics_middleware import ReplyClock, UpdateMetricsMiddleware
from bot.middlewares import DbSessionMiddleware, WorkerMiddleware
from bot.routers import get_routers
from bot.sender import BlockedHook, Limits, Pacer, TelegramLimits
from config import Settings
from contest.chats import mark_chat_unreachable
from i18n import t
from storage.types import Clock, utcnow

logger = logging.getLogger(__name__)


def create_bot(
    settings: Settings,
    *,
    session: BaseSession | None = None,
    limits: Limits | None = None,
    on_blocked: BlockedHook | None = None,
    pacer: Pacer | None = None,
    bulk: bool = False,
) -> Bot:
    """A Bot talking to Telegram or to ``TELEGRAM_API_SERVER``, every call through the limiter.

    Handlers reply through the default bot; the outbox delivers through one built with
    ``bulk=True`` and the same ``pacer``, so both respect one set of per-chat limits.
    """
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is not set")
    if session is None:
        session = AiohttpSession()
        if settings.telegram_api_server:
            session.api = TelegramAPIServer.from_base(settings.telegram_api_server)
    session.middleware(TelegramLimits(limits, on_blocked, pacer=pacer, bulk=bulk))
    session.middleware(ReplyClock())  # inside the limiter: sees each attempt (ops metrics)
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def blocked_hook(session_factory: async_sessionmaker[AsyncSession]) -> BlockedHook:
    """What the sender calls on a 403: stop writing to that chat."""

    async def on_blocked(chat_id: int) -> None:
        logger.info("chat %s is unreachable (403); marking it inactive", chat_id)
        async with session_factory() as session:
            await mark_chat_unreachable(session, chat_id=chat_id)
            await session.commit()

    return on_blocked


def create_dispatcher(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    *,
    storage: BaseStorage,
    clock: Clock = utcnow,
    **extra: Any,
) -> Dispatcher:
    """The dispatcher with our middlewares and routers; ``extra`` lands in handler kwargs."""
    dp = Dispatcher(
        storage=storage,
        disable_fsm=True,  # registered below, after the session and the worker are loaded
        settings=settings,
        session_factory=session_factory,
        clock=clock,
        **extra,
    )
    dp.update.outer_middleware(UpdateMetricsMiddleware())  # first: times the whole update
    dp.update.outer_middleware(DbSessionMiddleware(session_factory))
    dp.update.outer_middleware(WorkerMiddleware(dp.fsm))
    dp.update.outer_middleware(dp.fsm)
    dp.include_routers(*get_routers())
    dp.errors.register(_on_error)
    return dp


async def _on_error(
    event: ErrorEvent, bot: Bot, lang: str | None = None, inbox_tries: int = 0
) -> bool:
    """Log with context and apologise; one failing handler never stops the bot.

    A passing cause (:func:`is_overload`) is not a bug: the worker reads "busy, your tap is
    kept" (once) and :class:`bot.intake.Overloaded` hands the update back to the intake,
    which retries it until it is handled or no longer useful (and then says so).
    """
    update = event.update
    user = None
    chat_id = None
    if update.message:
        user, chat_id = update.message.from_user, update.message.chat.id
    elif update.callback_query:
        user = update.callback_query.from_user
        if update.callback_query.message:
            chat_id = update.callback_query.message.chat.id
    lang = language_of(user, lang)  # chosen by the worker, also when their row was not read
    overloaded = is_overload(event.exception)
    if overloaded:
        logger.warning(
            "update %s failed on a passing cause (%s: %s)",
            update.update_id,
            type(event.exception).__name__,
            event.exception,
        )
    else:
        logger.exception(
            "handler failed for update %s (user %s, chat %s)",
            update.update_id,
            user.id if user else None,
            chat_id,
            exc_info=event.exception,
        )
    if not overloaded or inbox_tries == 0:
        text = t("common.busy" if overloaded else "common.unknown_error", lang)
        try:
            if update.callback_query:
                await update.callback_query.answer(text, show_alert=not overloaded)
            elif chat_id is not None:
                await bot.send_message(chat_id, text)
        except Exception:  # the notice itself must never raise out of the error handler
            logger.warning("could not send the error notice to chat %s", chat_id, exc_info=True)
    if overloaded:
        raise Overloaded from event.exception
    return True


def is_overload(error: BaseException) -> bool:
    """A passing cause, worth a retry of the whole update: a database that could not serve
    in time (pool timeout, locked, full, connection lost), Redis unreachable, Telegram's 429
    or the network (after the sender's own retries)."""
    if isinstance(error, TimeoutError | ConnectionError | sa_exc.TimeoutError | RedisError):
        return True
    if isinstance(error, TelegramRetryAfter | TelegramNetworkError | TelegramServerError):
        return True
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return True
    return isinstance(error, sa_exc.DBAPIError) and bool(error.connection_invalidated)
