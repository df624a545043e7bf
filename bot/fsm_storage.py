"""aiogram FSM storage in our own database, for deployments without Redis."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import ConversationState
from storage.types import utcnow


class DatabaseStorage(BaseStorage):
    """Conversation state survives restarts: one row per (bot, chat, user, destiny)."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._keys = DefaultKeyBuilder(with_destiny=True)

    async def _write(self, key: StorageKey, **values: Any) -> None:
        async with self._session_factory() as session:
            stored = await session.get(ConversationState, self._keys.build(key))
            row = stored or ConversationState(key=self._keys.build(key))
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = utcnow()
            empty = row.state is None and not row.data
            if stored is None and empty:
                return  # clearing a conversation that was never stored
            if empty:
                await session.delete(row)
            elif stored is None:
                session.add(row)
            await session.commit()

    async def _read(self, key: StorageKey) -> ConversationState | None:
        async with self._session_factory() as session:
            return await session.get(ConversationState, self._keys.build(key))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self._read(key)
        return row.state if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self._read(key)
        return dict(row.data) if row else {}

    async def close(self) -> None:
        return None
