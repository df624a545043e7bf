"""The async engine and session factory (SQLite by default, PostgreSQL with the same code).

Connection discipline (DESIGN.md, later notes): a session holds a pooled connection only
inside a transaction, and every transaction ends before the process talks to anything that
is not the database. That keeps the pool small and its waits short.

SQLite takes one writer at a time. Each process therefore uses **one** connection by default
and begins every transaction with ``BEGIN IMMEDIATE``: transactions of one process queue in
the pool (an asyncio wait, not a busy loop), and a transaction that reads and then writes can
never fail with ``database is locked`` because another connection wrote in between (WAL's
snapshot conflict, which SQLite's busy timeout does not retry). Other processes on the same
file (the CLI, a separate scheduler) wait in SQLite's busy handler for a few milliseconds.
PostgreSQL gets an ordinary pool with pre-ping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool, NullPool


@dataclass(frozen=True)
class PoolSettings:
    """How many connections a process keeps and how long an update waits for one.

    ``size=None`` means the backend's default: 1 for SQLite (see the module docstring), 10
    for PostgreSQL. A wait longer than ``timeout`` seconds raises ``sqlalchemy.exc.TimeoutError``,
    which the bot turns into a "busy, your tap is kept" reply and a retry.
    """

    size: int | None = None
    overflow: int | None = None
    timeout: float = 10.0


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str,
    *,
    pool: PoolSettings | None = None,
    sqlite_immediate: bool = True,
    **kwargs: Any,
) -> AsyncEngine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, a busy timeout, BEGIN IMMEDIATE.

    ``sqlite_immediate=False`` leaves transactions to the driver (a BEGIN only before the
    first write, reads outside any transaction): for tools that only look, such as a test
    observing the database the bot writes to.
    """
    pool = pool or PoolSettings()
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        kwargs.setdefault("connect_args", {"timeout": 30})
        if parsed.database in (None, "", ":memory:"):
            kwargs.setdefault("poolclass", NullPool)
        else:
            kwargs.setdefault("poolclass", AsyncAdaptedQueuePool)
            kwargs.setdefault("pool_size", pool.size or 1)
            kwargs.setdefault("max_overflow", pool.overflow or 0)
            kwargs.setdefault("pool_timeout", pool.timeout)
    else:
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_size", pool.size or 10)
        kwargs.setdefault("max_overflow", 10 if pool.overflow is None else pool.overflow)
        kwargs.setdefault("pool_timeout", pool.timeout)
    engine = create_async_engine(url, **kwargs)
    if sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if sqlite_immediate:
            event.listen(engine.sync_engine, "connect", _sqlite_own_transactions)
            event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def _sqlite_own_transactions(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit BEGIN (deferred, and only before DML) is switched off so
    # that _sqlite_begin decides how every transaction starts (SQLAlchemy's documented recipe).
    dbapi_connection.isolation_level = None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def sync_url(url: str) -> str:
    """The synchronous driver URL for the same database (Alembic, reports)."""
    parsed = make_url(url)
    driver = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}.get(
        parsed.get_backend_name(), parsed.drivername
    )
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def describe(url: str) -> str:
    """A log-safe description of the database (no password)."""
    return make_url(url).render_as_string(hide_password=True)
