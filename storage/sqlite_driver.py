"""aiosqlite with one trip to its thread per statement instead of four.

SQLAlchemy's aiosqlite adapter awaits ``cursor()``, ``execute()``, ``fetchall()`` and
``close()`` separately: four hops to aiosqlite's thread and back through the event loop
for every statement, each waiting its turn behind whatever else the loop is doing. With one
connection per process (see :mod:`storage.db`) those hops were most of the time a crowd's
transactions held it. :class:`OneHopCursor` runs the four in the thread as one call.

It leans on two aiosqlite internals (``Connection._execute`` and ``Connection._conn``, both
present since 0.17; the pin in pyproject.toml keeps the version known). Server-side cursors
keep SQLAlchemy's own implementation.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        connection = self._connection

        def run() -> tuple[Any, list[Any] | None, int | None, int]:
            cursor = connection._conn.cursor()
            try:
                if parameters is None:
                    cursor.execute(operation)
                else:
                    cursor.execute(operation, parameters)
                description = cursor.description
                rows = cursor.fetchall() if description else None
                return description, rows, cursor.lastrowid, cursor.rowcount
            finally:
                cursor.close()

        try:
            description, rows, lastrowid, rowcount = self.await_(connection._execute(run))
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


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *args: Any, **kwargs: Any) -> Any:
        connection = super().connect(*args, **kwargs)
        connection.__class__ = OneHopConnection
        return connection


def one_hop_dbapi() -> OneHopDBAPI:
    return OneHopDBAPI(aiosqlite, sqlite3)
