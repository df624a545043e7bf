"""Readiness checks (for ``/readyz`` and the start-up status line), as plain async functions.

Ready means: the database answers, takes a write (a one-row upsert, so a full disk, a
read-only file or a database locked for good shows) and is at the newest schema revision,
Redis answers when
it is configured, the Bot API answered ``getMe`` recently, and some scheduler (this process
or another) holds the scheduler lease. Each check is bounded in time, so a hung database or
Redis makes ``/readyz`` say so instead of hanging too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from aiogram import Bot
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from storage.lease import LEASE_NAME, Lease
from storage.migrate import alembic_config
from storage.types import Clock, utcnow
from storage.upsert import upsert

logger = logging.getLogger(__name__)

CHECK_TIMEOUT = 3.0  # seconds for one check
PROBE_NAME = "readyz"  # the lease row /readyz writes to prove the database takes writes
GETME_INTERVAL = 60.0  # how often the watcher asks the Bot API getMe
GETME_MAX_AGE = 3 * GETME_INTERVAL + 30  # older than this: the Bot API counts as unanswered


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


class BotApiStatus:
    """When the Bot API last answered ``getMe`` (monotonic seconds), and the last failure."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.last_ok: float | None = None
        self.username: str | None = None
        self.last_error: str | None = None

    def record_ok(self, username: str | None = None) -> None:
        self.last_ok = self._clock()
        self.username = username or self.username
        self.last_error = None

    def record_error(self, error: BaseException | str) -> None:
        self.last_error = error if isinstance(error, str) else f"{type(error).__name__}: {error}"

    def age(self) -> float | None:
        return None if self.last_ok is None else self._clock() - self.last_ok


async def watch_bot_api(
    bot: Bot, status: BotApiStatus, *, stop: asyncio.Event, interval: float = GETME_INTERVAL
) -> None:
    """Ask ``getMe`` now and every ``interval`` seconds until ``stop``; record the answers."""
    while True:
        try:
            me = await bot.get_me(request_timeout=int(CHECK_TIMEOUT * 3))
            status.record_ok(me.username)
        except Exception as exc:  # any failure is what readiness reports, never a crash
            status.record_error(exc)
            logger.warning("Bot API getMe failed: %s", status.last_error)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
        if stop.is_set():
            return


@dataclass
class Readiness:
    """What ``/readyz`` checks; ``lease`` False where no scheduler is expected to run."""

    session_factory: async_sessionmaker[AsyncSession]
    database_url: str
    bot_status: BotApiStatus | None = None
    redis_url: str | None = None
    lease: bool = True
    clock: Clock = utcnow
    extra: list[Callable[[], Awaitable[Check]]] = field(default_factory=list)


async def _bounded(name: str, check: Awaitable[Check]) -> Check:
    try:
        return await asyncio.wait_for(check, CHECK_TIMEOUT)
    except TimeoutError:
        return Check(name, False, f"no answer within {CHECK_TIMEOUT:.0f}s")
    except Exception as exc:
        return Check(name, False, f"{type(exc).__name__}: {exc}"[:300])


@cache
def schema_heads() -> frozenset[str]:
    """The newest revision(s) the code knows (read once from the migration scripts)."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def current_revisions(connection: Connection) -> frozenset[str]:
    return frozenset(MigrationContext.configure(connection).get_current_heads())


def sqlite_file(database_url: str) -> Path | None:
    """The file of a file-based SQLite URL (None for PostgreSQL or in-memory SQLite)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    # A URI filename (sqlite:///file:/path/quiz.db?mode=ro&uri=true) names the same file.
    return Path((url.database or "").removeprefix("file:"))


async def check_database(
    session_factory: async_sessionmaker[AsyncSession], *, database_url: str
) -> Check:
    """The database answers, takes a write and is migrated to the newest revision."""
    path = sqlite_file(database_url)
    if path is not None and not path.exists():
        # The pool may still hold a handle on a deleted file: writes would vanish with it.
        return Check("database", False, f"SQLite file {path} is missing")
    async with session_factory() as session:
        await session.execute(text("SELECT 1"))
        connection = await session.connection()
        current = await connection.run_sync(current_revisions)
        heads = schema_heads()
        if current != heads:
            have = ", ".join(sorted(current)) or "none"
            return Check("database", False, f"schema at {have}, code needs {', '.join(heads)}")
        await session.rollback()
        try:
            values = {"holder": _holder(), "expires_at": utcnow()}
            await upsert(session, Lease, keys={"name": PROBE_NAME}, values=values)
            await session.commit()
        except Exception as exc:
            return Check("database", False, f"cannot write: {type(exc).__name__}: {exc}"[:300])
    return Check("database", True, f"writable, schema at {', '.join(sorted(current))}")


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


async def check_redis(url: str) -> Check:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=CHECK_TIMEOUT)
    try:
        await client.ping()  # type: ignore[misc]  # redis-py types it sync-or-async
    finally:
        await client.aclose()
    return Check("redis", True, "answers PING")


def check_bot_api(status: BotApiStatus, *, max_age: float = GETME_MAX_AGE) -> Check:
    age = status.age()
    if age is None:
        detail = status.last_error or "getMe not answered yet"
        return Check("bot_api", False, detail)
    if age > max_age:
        return Check("bot_api", False, f"getMe last answered {age:.0f}s ago ({status.last_error})")
    who = f"@{status.username}" if status.username else "the bot"
    return Check("bot_api", True, f"getMe answered {age:.0f}s ago for {who}")


async def check_lease(
    session_factory: async_sessionmaker[AsyncSession], *, clock: Clock = utcnow
) -> Check:
    """Some scheduler, in any process, holds an unexpired lease."""
    async with session_factory() as session:
        row = (
            await session.execute(select(Lease).where(col(Lease.name) == LEASE_NAME))
        ).scalar_one_or_none()
    if row is None or row.expires_at <= clock():
        return Check("scheduler", False, "no scheduler holds the lease (is one running?)")
    return Check("scheduler", True, f"lease held by {row.holder}")


async def run_checks(readiness: Readiness) -> list[Check]:
    """Every check, concurrently; the list is in a fixed order."""
    checks: list[tuple[str, Awaitable[Check]]] = [
        (
            "database",
            check_database(readiness.session_factory, database_url=readiness.database_url),
        )
    ]
    if readiness.redis_url:
        checks.append(("redis", check_redis(readiness.redis_url)))
    if readiness.lease:
        checks.append(("scheduler", check_lease(readiness.session_factory, clock=readiness.clock)))
    checks.extend((f"extra{i}", make()) for i, make in enumerate(readiness.extra))
    results = list(await asyncio.gather(*(_bounded(name, check) for name, check in checks)))
    if readiness.bot_status is not None:
        results.insert(1, check_bot_api(readiness.bot_status))
    return results


def status_line(checks: list[Check]) -> str:
    """One line for the log: ``ready`` or ``NOT READY``, then each check."""
    ready = all(c.ok for c in checks)
    parts = "; ".join(f"{c.name} {'ok' if c.ok else 'FAILING'} ({c.detail})" for c in checks)
    return f"{'ready' if ready else 'NOT READY'}: {parts}"
