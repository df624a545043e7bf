"""The contract of :mod:`storage.sqlite_driver`: the aiosqlite and SQLAlchemy internals it
leans on are still there, and it answers every statement as SQLAlchemy's stock adapter does.

The one-hop driver exists for speed (one trip to aiosqlite's thread per statement instead of
four) and has no public way to get it; ``create_engine(..., sqlite_one_hop=False)`` is the
way back to the stock adapter. When a new aiosqlite or SQLAlchemy renames one of these
internals, this test fails before any user sees it.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.dialects.sqlite import aiosqlite as adapter
from sqlalchemy.exc import IntegrityError

from storage.db import create_engine
from storage.sqlite_driver import OneHopConnection, OneHopCursor


def test_the_driver_internals_it_leans_on_are_still_there() -> None:
    assert inspect.iscoroutinefunction(aiosqlite.Connection._execute)
    assert "_conn" in inspect.getsource(aiosqlite.Connection.__init__)
    cursor_init = inspect.getsource(adapter.AsyncAdapt_aiosqlite_cursor.__init__)
    for name in ("_adapt_connection", "_connection", "await_", "_rows"):
        assert name in cursor_init, name
    assert callable(adapter.AsyncAdapt_aiosqlite_connection._handle_exception)
    assert issubclass(OneHopCursor, adapter.AsyncAdapt_aiosqlite_cursor)
    assert issubclass(OneHopConnection, adapter.AsyncAdapt_aiosqlite_connection)


STATEMENTS = [
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)",
    "INSERT INTO t (name) VALUES ('a')",
    "INSERT INTO t (name) VALUES ('b')",
    "UPDATE t SET name = name || '!' WHERE id > 0",
    "SELECT id, name FROM t ORDER BY id",
    "DELETE FROM t WHERE id = 2",
    "SELECT count(*) FROM t",
]


async def _run(path: Path, *, one_hop: bool) -> list[object]:
    engine = create_engine(f"sqlite+aiosqlite:///{path}", sqlite_one_hop=one_hop)
    seen: list[object] = []
    try:
        async with engine.begin() as connection:
            raw = await connection.get_raw_connection()
            seen.append(type(raw.dbapi_connection).__name__)
            for statement in STATEMENTS:
                result = await connection.execute(text(statement))
                rows = result.all() if result.returns_rows else None
                seen.append((statement, rows, None if rows else result.rowcount))
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO t (name) VALUES ('a!')"))
    finally:
        await engine.dispose()
    return seen


async def test_one_hop_answers_as_the_stock_adapter_does(tmp_path: Path) -> None:
    stock = await _run(tmp_path / "stock.db", one_hop=False)
    one_hop = await _run(tmp_path / "one_hop.db", one_hop=True)
    assert (one_hop[0], stock[0]) == ("OneHopConnection", "AsyncAdapt_aiosqlite_connection")
    assert one_hop[1:] == stock[1:]
    assert one_hop[5] == (STATEMENTS[4], [(1, "a!"), (2, "b!")], None)
