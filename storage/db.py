"""The async engine and session factory (SQLite by default, PostgreSQL with the same code).

Connection discipline: a session holds a pooled connection only inside a transaction, and
every transaction ends before the process talks to anything that is not the database. That
keeps the pool small and its waits short.

SQLite takes one writer at a time. Each process therefore writes through **one**
connection and begins every writing transaction with ``BEGIN IMMEDIATE``: writers of one
process queue in the pool (an asyncio wait, not a busy loop), and a transaction that writes
can never fail with ``database is locked`` because another connection wrote in between
(WAL's snapshot conflict, which SQLite's busy timeout does not retry). Reads need no lock in
WAL mode, so a session's reads — until it first writes — go to a small pool of read-only
connections (:class:`ReadRoutingSession`): the writer is held only for the writes, which is
what lets one process serve a crowd. Other processes on the same file (the CLI, a separate
scheduler) wait in SQLite's busy handler for a few milliseconds. PostgreSQL gets one
ordinary pool with pre-ping, readers and writers alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import AsyncAdaptedQueuePool, NullPool

from storage.sqlite_driver import one_hop_dbapi


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
    readers: int = 0  # SQLite: read-only connections beside the one writer (0: none)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str,
    *,
    pool: PoolSettings | None = None,
    sqlite_immediate: bool = True,
    sqlite_one_hop: bool = True,
    **kwargs: Any,
) -> AsyncEngine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, a busy timeout, BEGIN IMMEDIATE.

    ``sqlite_immediate=False`` leaves transactions to the driver (a BEGIN only before the
    first write, reads outside any transaction): for tools that only look, such as a test
    observing the database the bot writes to. ``sqlite_one_hop=False`` keeps SQLAlchemy's
    stock aiosqlite adapter instead of :mod:`storage.sqlite_driver` (which leans on driver
    internals for speed; tests/storage/test_sqlite_driver.py checks they are still there).
    """
    pool = pool or PoolSettings()
    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        kwargs.setdefault("connect_args", {"timeout": 30})
        if parsed.get_driver_name() == "aiosqlite" and sqlite_one_hop:
            kwargs.setdefault("module", one_hop_dbapi())
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


def create_reader(url: str, *, pool: PoolSettings | None = None) -> AsyncEngine | None:
    """SQLite's read-only connections for :class:`ReadRoutingSession` (None elsewhere)."""
    parsed = make_url(url)
    pool = pool or PoolSettings()
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if not pool.readers:
        return None
    engine = create_engine(
        url,
        sqlite_immediate=False,
        pool=PoolSettings(size=pool.readers, overflow=pool.readers, timeout=pool.timeout),
    )
    event.listen(engine.sync_engine, "connect", _read_only)
    return engine


def _read_only(dbapi_connection: Any, _record: Any) -> None:
    # A write routed here by mistake fails loudly instead of taking a second writer's lock.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


LOCKS = "qualityquiz_locks"
"""The execution option that marks a locking read, which a read-routing session sends to the
writer (SQLAlchemy's own record of ``FOR UPDATE`` on a statement is private)."""

Selected = TypeVar("Selected", bound=Select[Any])


def locking(statement: Selected) -> Selected:
    """``statement`` as ``SELECT … FOR UPDATE``, routed to the writer: the one way our code
    locks rows (tests/test_layers.py keeps ``with_for_update`` here)."""
    return statement.with_for_update().execution_options(**{LOCKS: True})


class ReadRoutingSession(Session):
    """Reads go to ``reader`` until the transaction first writes; everything else to the writer.

    A read that follows a write in the same transaction stays on the writer, so a session
    always sees its own changes. Row locks (``FOR UPDATE``) are writer business too.
    """

    def __init__(self, *args: Any, reader: Engine | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reader = reader
        self._wrote = False

    def get_bind(self, mapper: Any = None, *, clause: Any = None, **kwargs: Any) -> Any:
        if (
            self._reader is not None
            and not self._wrote
            and isinstance(clause, Select)
            and not clause.get_execution_options().get(LOCKS, False)
        ):
            return self._reader
        self._wrote = True
        return super().get_bind(mapper, clause=clause, **kwargs)


@event.listens_for(ReadRoutingSession, "after_transaction_end")
def _forget_writes(session: Session, transaction: Any) -> None:
    if transaction.parent is None and isinstance(session, ReadRoutingSession):
        session._wrote = False


def create_session_factory(
    engine: AsyncEngine, *, reader: AsyncEngine | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions on ``engine``; with a SQLite ``reader`` their reads go to read-only connections."""
    if reader is None:
        return async_sessionmaker(engine, expire_on_commit=False)
    return async_sessionmaker(
        engine,
        expire_on_commit=False,
        sync_session_class=ReadRoutingSession,
        reader=reader.sync_engine,
    )


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
