"""The one dialect-aware ``INSERT … ON CONFLICT`` helper (SQLite and PostgreSQL share it).

The statement for a given table, key and value columns is built once per dialect, rendered
to SQL once, and then executed with parameters: SQLAlchemy cannot cache the compiled form of
its ``ON CONFLICT`` constructs ("no key"), and compiling one for every answer's standing was
a noticeable share of the answer path's CPU. The rendered text keeps each column's type, so
values are still processed as the column wants (aware datetimes, JSON).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession) -> Any:
    """The dialect's ``insert`` construct (both offer ``on_conflict_do_*``)."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


_CAST = re.compile(r":(\w+)::([\w\[\]]+)")


@cache
def _template(
    dialect: str, model: Any, keys: tuple[str, ...], names: tuple[str, ...], update: Any
) -> Any:
    pg = dialect == "postgresql"
    construct = postgresql.insert if pg else sqlite.insert
    table = model.__table__
    given = (*keys, *names)
    # A new row needs the columns' own defaults too; the text cannot compute them, so they
    # become parameters that upsert() fills in at each call.
    defaults = tuple(
        c.name
        for c in table.columns
        if c.name not in given
        and c.default is not None
        and (c.default.is_scalar or c.default.is_callable)
    )
    columns = (*given, *defaults)
    stmt = construct(table).values({name: bindparam(name) for name in columns})
    changed = () if update is False else names if update is True else tuple(update)
    if changed:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={name: stmt.excluded[name] for name in changed}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    named = (postgresql.dialect if pg else sqlite.dialect)(paramstyle="named")
    # PostgreSQL renders typed binds as ``:data::JSON``, which text() would not see as a bind.
    sql = _CAST.sub(r"CAST(:\1 AS \2)", str(stmt.compile(dialect=named)))
    clause = text(sql).bindparams(*(bindparam(name, type_=table.c[name].type) for name in columns))
    return clause, tuple(table.c[name].default for name in defaults)


async def upsert(
    session: AsyncSession,
    model: Any,
    *,
    keys: Mapping[str, Any],
    values: Mapping[str, Any],
    update: Sequence[str] | bool = True,
) -> int:
    """``INSERT keys+values ON CONFLICT (keys) DO UPDATE`` (or ``DO NOTHING``); rows written.

    ``update`` is True (update every value), False (do nothing on conflict: 0 then means
    the row was there already) or the names of the values to update. Safe when two
    transactions race to create the same row. Commits nothing.
    """
    spec = update if isinstance(update, bool) else tuple(update)
    template, defaults = _template(
        session.get_bind().dialect.name, model, tuple(keys), tuple(values), spec
    )
    params = {**keys, **values}
    for default in defaults:
        params[default.column.name] = default.arg(None) if default.is_callable else default.arg
    result = await session.execute(template, params)
    return int(result.rowcount)  # type: ignore[attr-defined]
