"""Shared fixtures: a real database on SQLite and on PostgreSQL, and a movable clock.

Every test that asks for ``session``/``session_factory``/``engine`` runs once per backend.
PostgreSQL is the server on 127.0.0.1:5432 (``QQ_TEST_PG_URL`` overrides); each test run gets
its own throw-away database so parallel runs never meet. When ``CI=true`` and PostgreSQL is
unreachable the PostgreSQL tests error loudly instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import PoolSettings, create_engine, create_reader, create_session_factory
from tables import metadata

PG_ADMIN_URL = os.environ.get("QQ_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


class MovableClock:
    """A clock tests set and advance; services call it like ``utcnow``."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 9, 1, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = create_sync_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL unreachable at {PG_ADMIN_URL} in CI: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN_URL}")
    name = f"qq_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    sync_url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_sync_engine(sync_url)
    metadata.create_all(engine)
    engine.dispose()
    try:
        yield f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _truncate_pg(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    plain = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    _truncate_pg(url)
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    # A short pool timeout: a test that keeps a connection while the bot needs one fails
    # in seconds, not after the production default.
    engine = create_engine(database_url, pool=PoolSettings(timeout=5))
    yield engine
    await engine.dispose()


@pytest.fixture
async def session_factory(
    engine: AsyncEngine, database_url: str
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions as the bot makes them (on SQLite, reads on read-only connections)."""
    reader = create_reader(database_url, pool=PoolSettings(timeout=5))
    yield create_session_factory(engine, reader=reader)
    if reader is not None:
        await reader.dispose()


@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    """The test's own session, on an engine of its own.

    The code under test keeps the production rules (SQLite: one connection per process,
    every transaction ``BEGIN IMMEDIATE``); a test that looks at the database between two
    updates must not hold that one connection, so its reads run outside a transaction
    (SQLite) or on a connection of their own (PostgreSQL).
    """
    engine = create_engine(database_url, pool=PoolSettings(size=2), sqlite_immediate=False)
    async with create_session_factory(engine)() as session:
        yield session
    await engine.dispose()
