"""Update middlewares: one database session per update, and who is talking in which language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.workers import get_worker
from i18n import normalize_lang

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DbSessionMiddleware(BaseMiddleware):
    """Opens one session per update and hands it to the handler as ``session``."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.session_factory() as session:
            data["session"] = session
            return await handler(event, data)


class WorkerMiddleware(BaseMiddleware):
    """Loads the registered worker (or None) and the language to answer in as ``lang``."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        session: AsyncSession = data["session"]
        worker = None
        if user is not None:
            worker = await get_worker(session, telegram_id=user.id)
        data["worker"] = worker
        if worker is not None and worker.language:
            data["lang"] = worker.language
        else:
            data["lang"] = normalize_lang(user.language_code if user else None)
        return await handler(event, data)
