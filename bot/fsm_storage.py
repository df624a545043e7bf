"""aiogram FSM storage in our own database, for deployments without Redis.

Inside an update it reads and writes through the update's own session (never a second
one): the worker middleware reads the conversation row together with the worker, and
writes ride along with the update's next commit. Outside an update (tests, tools) it opens
a short session of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from bot.context import current_update
from bot.models import ConversationState
from storage.types import utcnow
from storage.upsert import upsert

Row = tuple[str | None, dict[str, Any]]


class DatabaseStorage(BaseStorage):
    """Conversation state survives restarts: one row per (chat, user, destiny)."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._keys = DefaultKeyBuilder(with_destiny=True)

    def key(self, key: StorageKey) -> str:
        return self._keys.build(key)

    # --- reading ------------------------------------------------------------------------
    async def _row(self, key: StorageKey) -> Row | None:
        name = self.key(key)
        context = current_update()
        if context is not None:
            if name not in context.fsm:
                context.fsm[name] = await read_row(context.session, name)
            return context.fsm[name]
        async with self._session_factory() as session:
            return await read_row(session, name)

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self._row(key)
        return row[0] if row else None

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self._row(key)
        return dict(row[1]) if row else {}

    # --- writing ------------------------------------------------------------------------
    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        row = await self._row(key)
        await self._write(key, value, dict(row[1]) if row else {})

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        row = await self._row(key)
        await self._write(key, row[0] if row else None, dict(data))

    async def _write(self, key: StorageKey, state: str | None, data: dict[str, Any]) -> None:
        name = self.key(key)
        context = current_update()
        if context is not None:
            await write_row(context.session, name, state, data)
            context.fsm[name] = None if state is None and not data else (state, data)
            return
        async with self._session_factory() as session:
            await write_row(session, name, state, data)
            await session.commit()

    async def close(self) -> None:
        return None


async def read_row(session: AsyncSession, key: str) -> Row | None:
    found = (
        await session.execute(
            select(col(ConversationState.state), col(ConversationState.data)).where(
                col(ConversationState.key) == key
            )
        )
    ).one_or_none()
    return (found[0], dict(found[1] or {})) if found is not None else None


async def write_row(
    session: AsyncSession, key: str, state: str | None, data: dict[str, Any]
) -> None:
    """Store the conversation, or forget it once it holds neither a state nor data."""
    if state is None and not data:
        await session.execute(delete(ConversationState).where(col(ConversationState.key) == key))
        return
    await upsert(
        session,
        ConversationState,
        keys={"key": key},
        values={"state": state, "data": data, "updated_at": utcnow()},
    )


__all__ = ["DatabaseStorage", "read_row", "write_row"]
