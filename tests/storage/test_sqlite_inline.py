"""Inline SQLite statements (storage.sqlite_driver.inline_statements): the same transactions,
run on the loop's thread, and a BEGIN that would wait for another process waits in the
driver's thread instead, the loop running on meanwhile."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine
from storage.sqlite_driver import inline, inline_statements


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE tap (id INTEGER PRIMARY KEY, n INTEGER)"))
    yield engine
    await engine.dispose()


def _count(path: str) -> int:
    with sqlite3.connect(path) as other:
        return int(other.execute("SELECT count(*) FROM tap").fetchone()[0])


async def test_inline_writes_commit_and_roll_back_like_the_threads(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    with inline_statements():
        assert inline()
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO tap (n) VALUES (:n)"), [{"n": 1}, {"n": 2}])
        async with engine.connect() as conn:
            await conn.execute(text("INSERT INTO tap (n) VALUES (3)"))
            await conn.rollback()
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT n FROM tap ORDER BY n"))).all()
    assert not inline()
    assert [n for (n,) in rows] == [1, 2]
    assert _count(str(tmp_path / "inline.db")) == 2


async def test_a_begin_blocked_by_another_process_waits_off_the_loop(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "inline.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    other.execute("INSERT INTO tap (n) VALUES (10)")

    async def write() -> None:
        with inline_statements():
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO tap (n) VALUES (11)"))

    writer = asyncio.create_task(write())
    ticks = 0
    for _ in range(20):  # the loop keeps running while the writer waits for the lock
        await asyncio.sleep(0.01)
        ticks += 1
    assert ticks == 20 and not writer.done()
    other.execute("COMMIT")
    await writer
    other.close()
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT n FROM tap ORDER BY n"))).all()
    assert [n for (n,) in rows] == [10, 11]
