"""The one dialect-aware ``INSERT … ON CONFLICT`` helper (SQLite and PostgreSQL share it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession) -> Any:
    """The dialect's ``insert`` construct (both offer ``on_conflict_do_*``)."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def upsert_statement(
    session: AsyncSession,
    model: Any,
    *,
    keys: Mapping[str, Any],
    values: Mapping[str, Any],
    update: Sequence[str] | bool = True,
) -> Any:
    """``INSERT keys+values ON CONFLICT (keys) DO UPDATE`` (or ``DO NOTHING``).

    ``update`` is True (update every value), False (do nothing on conflict) or the names of
    the values to update. Safe when two transactions race to create the same row.
    """
    stmt = insert_for(session)(model).values(**keys, **values)
    if update is False:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    names = list(values) if update is True else list(update)
    if not names:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={name: stmt.excluded[name] for name in names}
    )


async def upsert(
    session: AsyncSession,
    model: Any,
    *,
    keys: Mapping[str, Any],
    values: Mapping[str, Any],
    update: Sequence[str] | bool = True,
) -> None:
    """Execute :func:`upsert_statement` (flushes nothing else, commits nothing)."""
    await session.execute(upsert_statement(session, model, keys=keys, values=values, update=update))
