"""Whether the database takes writes, said in plain words (a read-only SQLite file, a folder
SQLite cannot write its journal into, a read-only user or replica).

The probe creates a table inside a transaction and rolls it back: DDL is transactional on
SQLite and PostgreSQL, so nothing changes, and it works on an empty database as well as a
migrated one. ``main.py run`` refuses to start on such a database and ``doctor`` says so.
"""

from __future__ import annotations

import asyncio
import getpass
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ops.health import sqlite_file
from storage.db import create_engine, describe

PROBE_SECONDS = 10.0
_PROBE = "CREATE TABLE qq_write_probe (id INTEGER)"


async def write_problem(database_url: str, *, seconds: float = PROBE_SECONDS) -> str | None:
    """Why the database refuses writes and what to do, or None when a write goes through."""
    path = sqlite_file(database_url)
    if path is not None and (plain := _file_problem(path)) is not None:
        return plain
    engine = create_engine(database_url)
    try:
        async with asyncio.timeout(seconds), engine.connect() as connection:
            transaction = await connection.begin()
            try:
                await connection.execute(text(_PROBE))
            finally:
                await transaction.rollback()
    except (DBAPIError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return (
            f"the database {describe(database_url)} cannot be written ({reason}): "
            "check that the file and its folder are writable by the user the bot runs as "
            "(SQLite), or that the database user may write and this is not a read-only "
            "replica (PostgreSQL)"
        )
    except TimeoutError:
        return f"the database {describe(database_url)} did not take a write in {seconds:.0f} s"
    finally:
        await engine.dispose()
    return None


def _file_problem(path: Path) -> str | None:
    """A SQLite file or folder this user may not write (root may write anything)."""
    if not path.exists():
        return None
    user = getpass.getuser()
    if not os.access(path, os.W_OK):
        return (
            f"the SQLite database {path.resolve()} is read-only for {user}: make it writable "
            f"(chmod u+w, or chown it to the user the bot runs as)"
        )
    folder = path.resolve().parent
    if not os.access(folder, os.W_OK):
        return (
            f"the folder {folder} is read-only for {user}: SQLite writes its journal "
            f"({path.name}-wal, {path.name}-shm) beside the database, so the folder must be "
            "writable too"
        )
    return None
