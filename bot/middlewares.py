"""Update middlewares: one database session per update, and who is talking in which language.

Order (outer, on every update): aiogram's errors and user context, then
:class:`DbSessionMiddleware`, :class:`WorkerMiddleware`, and aiogram's FSM middleware last, so
the FSM reads through the update's session what the worker middleware already read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.types import Message, TelegramObject, Update, User
from sqlalchemy import bindparam, literal, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from bot.context import UpdateContext, current_update, update_context
from bot.fsm_storage import DatabaseStorage
from bot.language import remember
from bot.models import ConversationState
from chat.turn import Turn, owned
from config import Settings
from contest.admin.policy import Actor
from contest.models import Worker
from i18n import normalize_lang
from storage.sqlite_driver import inline_statements
from storage.types import Clock

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


# Built once: every update runs one of these, and building it anew was a visible share of
# an answer's CPU (labels, cache key). The outer join to a one-row anchor brings the
# conversation state back even for a worker not registered yet.
_WORKER = select(Worker).where(col(Worker.telegram_id) == bindparam("telegram_id"))
_ANCHOR = select(literal(1).label("one")).subquery()
_WORKER_AND_STATE = (
    select(Worker, col(ConversationState.state), col(ConversationState.data))
    .select_from(_ANCHOR)
    .outerjoin(Worker, col(Worker.telegram_id) == bindparam("telegram_id"))
    .outerjoin(ConversationState, col(ConversationState.key) == bindparam("key"))
)


class DbSessionMiddleware(BaseMiddleware):
    """One session per update as ``session``, and the update's receipt time as ``received_at``.

    ``received_at`` comes from the intake (when the update reached the process, before any
    queue); an update fed without one is received now. The update's transaction is the
    turn's (:func:`chat.turn.owned`): whatever the handler left open is committed at the end;
    a refusal that no router answered keeps only what it asked to keep; any other exception
    rolls it back.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        clock: Clock = data["clock"]
        received_at: datetime = data.get("received_at") or clock()
        data["received_at"] = received_at
        inline = inline_statements() if _short(event) else nullcontext()
        with inline:
            return await self._turn(handler, event, data, received_at)

    async def _turn(
        self, handler: Handler, event: TelegramObject, data: dict[str, Any], received_at: datetime
    ) -> Any:
        async with self.session_factory() as session:
            data["session"] = session
            context = UpdateContext(
                session=session, received_at=received_at, later=data.get("write_later")
            )
            with update_context(context):
                async with owned(session):
                    return await handler(event, data)


def _short(event: TelegramObject) -> bool:
    """Whether the update's transactions are a few short statements (every tap and typed
    line), run inline on SQLite (:func:`storage.sqlite_driver.inline_statements`); an
    uploaded file (a bank, a roster) may write thousands of rows and keeps the thread."""
    message = event.message if isinstance(event, Update) else event
    return not (isinstance(message, Message) and message.document is not None)


class WorkerMiddleware(BaseMiddleware):
    """Loads the registered worker (or None) and the language to answer in as ``lang``, and
    builds the update's :class:`chat.turn.Turn` as ``turn`` (handlers read ``(event, turn)``).

    With the database FSM storage the conversation row comes back in the same query.
    """

    def __init__(self, fsm: FSMContextMiddleware) -> None:
        self.fsm = fsm

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        session: AsyncSession = data["session"]
        worker = None
        if user is not None:
            worker = await self._load(session, user, data)
        data["worker"] = worker
        if worker is not None and worker.language:
            data["lang"] = worker.language
        else:
            data["lang"] = normalize_lang(user.language_code if user else None)
        if user is not None:
            remember(user.id, data["lang"])
        data["turn"] = self._turn(data, user, worker, session)
        return await handler(event, data)

    @staticmethod
    def _turn(
        data: dict[str, Any], user: User | None, worker: Worker | None, session: AsyncSession
    ) -> Turn:
        settings: Settings = data["settings"]
        actor = None
        if user is not None:
            actor = Actor(user.id, super_admin=user.id in settings.admin_ids)
        return Turn(
            session=session,
            received_at=data["received_at"],
            lang=data["lang"],
            tz=settings.timezone,
            via="telegram",
            worker=worker,
            actor=actor,
            wall=data["clock"],
        )

    async def _load(self, session: AsyncSession, user: User, data: dict[str, Any]) -> Worker | None:
        storage = self.fsm.storage
        bot: Bot = data["bot"]
        fsm_context = self.fsm.resolve_event_context(bot, data)
        if not isinstance(storage, DatabaseStorage) or fsm_context is None:
            return (await session.execute(_WORKER, {"telegram_id": user.id})).scalar_one_or_none()
        key = storage.key(fsm_context.key)
        row = (await session.execute(_WORKER_AND_STATE, {"telegram_id": user.id, "key": key})).one()
        context = current_update()
        if context is not None:
            context.fsm[key] = None if row[2] is None else (row[1], dict(row[2]))
        return row[0]
