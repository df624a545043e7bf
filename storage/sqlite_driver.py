"""aiosqlite with one trip to its thread per statement instead of four.

SQLAlchemy's aiosqlite adapter awaits ``cursor()``, ``execute()``, ``fetchall()`` and
``close()`` separately: four hops to aiosqlite's thread and back through the event loop
for every statement, each waiting its turn behind whatever else the loop is doing. With one
connection per process (see :mod:`storage.db`) those hops were most of the time a crowd's
transactions held it. :class:`OneHopCursor` runs the four in the thread as one call.

It leans on two aiosqlite internals (``Connection._execute`` and ``Connection._conn``, both
present since 0.17; the pin in pyproject.toml keeps the version known). Server-side cursors
keep SQLAlchemy's own implementation.

**Inline statements** (:func:`inline_statements`). Even one hop per statement is a thread
switch there and back; on a busy machine each costs milliseconds, and a writing
transaction of seven statements held the process's one writer for all of them (the web's
answer path measured ~10 hops and at most ~50 answers/s however many cores were free).
A caller whose transactions are a few short statements on indexed rows (the web's turn)
runs them on the event loop's own thread instead, inline: each is microseconds of SQLite
work (WAL, ``synchronous=NORMAL``: a commit appends to the log, no fsync). The one statement
that may have to wait — ``BEGIN IMMEDIATE`` while *another process* holds the write lock —
is tried without waiting and, if the lock is taken, goes to the thread to wait there, so
the loop never sleeps in SQLite's busy handler. Everyone else keeps the thread.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

_INLINE: ContextVar[bool] = ContextVar("qualityquiz_sqlite_inline", default=False)


@contextmanager
def inline_statements() -> Iterator[None]:
    """Within this block (this task and what it awaits), SQLite statements run inline."""
    token = _INLINE.set(True)
    try:
        yield
    finally:
        _INLINE.reset(token)


def inline() -> bool:
    return _INLINE.get()


Outcome = tuple[Any, list[Any] | None, int | None, int]


def _run(conn: sqlite3.Connection, operation: Any, parameters: Any, many: bool) -> Outcome:
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


def _begin_now(conn: sqlite3.Connection, operation: str) -> Outcome | None:
    """``BEGIN …`` without waiting; None when another process holds the lock."""
    waits = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout=0")
    try:
        return _run(conn, operation, None, False)
    except sqlite3.OperationalError as error:
        if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY:
            return None
        raise
    finally:
        conn.execute(f"PRAGMA busy_timeout={int(waits)}")


async def _ready(value: Any) -> Any:
    """An awaitable that is done at once: no trip through the event loop."""
    return value


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._go(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        self._go(operation, list(seq_of_parameters), many=True)

    def _go(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection = self._connection
        try:
            done: Any = None
            if _INLINE.get():
                conn = connection._conn
                if isinstance(operation, str) and operation.lstrip()[:5].upper() == "BEGIN":
                    done = _begin_now(conn, operation)
                else:
                    done = _run(conn, operation, parameters, many)
                if done is not None:  # SQLAlchemy checks that an await happened: a ready one
                    done = self.await_(_ready(done))
            if done is None:
                done = self.await_(
                    connection._execute(lambda: _run(connection._conn, operation, parameters, many))
                )
            description, rows, lastrowid, rowcount = done
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        if description:
            self.description = description
            self.lastrowid = self.rowcount = -1
            self._rows = deque(rows or ())
        else:
            self.description = None
            self.lastrowid = lastrowid
            self.rowcount = rowcount


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    def cursor(self, server_side: bool = False) -> Any:
        if server_side:
            return super().cursor(server_side=True)
        return OneHopCursor(self)

    def rollback(self) -> None:
        # The pool resets every connection it takes back with a rollback; after a commit
        # there is nothing to undo, and asking the driver's thread costs a round trip.
        if not self._connection._conn.in_transaction:
            return
        if _INLINE.get():
            self._inline(self._connection._conn.rollback)
            return
        super().rollback()

    def commit(self) -> None:
        if _INLINE.get():  # WAL: appends to the log, never waits for another process
            self._inline(self._connection._conn.commit)
            return
        super().commit()

    def _inline(self, call: Any) -> None:
        try:
            self.await_(_ready(call()))
        except Exception as error:
            self._handle_exception(error)


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *args: Any, **kwargs: Any) -> Any:
        connection = super().connect(*args, **kwargs)
        connection.__class__ = OneHopConnection
        return connection


def one_hop_dbapi() -> OneHopDBAPI:
    return OneHopDBAPI(aiosqlite, sqlite3)
