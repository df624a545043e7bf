"""Helpers shared by the CLI commands: settings, a database session, exit codes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from chat.turn import owned
from config import Settings, load_settings
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_async

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2

T = TypeVar("T")


@asynccontextmanager
async def open_session(settings: Settings | None = None) -> AsyncIterator[AsyncSession]:
    """A session on the configured database, upgraded to the current schema first.

    A command is one turn: its transaction commits once when the block ends; a refusal
    (``ContestError``) rolls it back and keeps only what the refusal asked to keep (an
    organiser action's audit row, :func:`chat.turn.owned`)."""
    settings = settings or load_settings()
    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session, owned(session):
            yield session
    finally:
        await engine.dispose()


def run_async(func: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(func())  # type: ignore[arg-type]
