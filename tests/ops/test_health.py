"""/healthz and /readyz: ready when the database, Redis, the Bot API and the scheduler lease
are there; unready (503, saying which) when one is not, and ready again when it returns."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ops.health import BotApiStatus, Readiness, watch_bot_api
from ops.runtime import start_ops
from ops.web import add_ops_routes
from storage.db import create_engine, create_session_factory
from storage.lease import acquire_lease
from tests.conftest import MovableClock
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeTelegram
from tests.ops.conftest import sqlite_path, stamp_head


async def readyz(client: TestClient) -> tuple[int, dict]:
    response = await client.get("/readyz")
    return response.status, await response.json()


async def hold_lease(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory.begin() as session:
        assert await acquire_lease(session, holder="runner-test", ttl=timedelta(minutes=5))


class Outage:
    """Takes the test database away and brings it back: the SQLite file moves aside, or the
    TCP path to PostgreSQL is cut."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.proxy: TcpProxy | None = None

    async def engine_url(self) -> str:
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            return self.url
        self.proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
        port = await self.proxy.start()
        return parsed.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)

    def _files(self) -> list[Path]:
        path = sqlite_path(self.url)
        return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]

    async def begin(self) -> None:
        if self.proxy is not None:
            await self.proxy.cut()
            return
        for path in self._files():
            if path.exists():
                path.rename(path.with_name(path.name + ".away"))

    async def end(self) -> None:
        if self.proxy is not None:
            await self.proxy.restore()
            return
        for path in self._files():
            away = path.with_name(path.name + ".away")
            if away.exists():
                away.rename(path)


@pytest.fixture
async def outage(database_url: str) -> AsyncIterator[Outage]:
    await stamp_head(database_url)
    outage = Outage(database_url)
    yield outage
    await outage.end()


async def test_healthz_answers_while_the_process_lives(ops_client: TestClient) -> None:
    response = await ops_client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_turns_unready_without_the_database_and_ready_when_it_returns(
    outage: Outage, database_url: str, bot_status: BotApiStatus
) -> None:
    engine = create_engine(await outage.engine_url())
    session_factory = create_session_factory(engine)
    await hold_lease(session_factory)
    app = web.Application()
    add_ops_routes(app, readiness=Readiness(session_factory, database_url, bot_status=bot_status))
    try:
        async with TestClient(TestServer(app)) as client:
            status, body = await readyz(client)
            assert status == 200, body
            assert body["ready"] is True
            assert set(body["checks"]) == {"database", "bot_api", "scheduler"}

            await outage.begin()
            status, body = await readyz(client)
            assert status == 503
            assert body["checks"]["database"]["ok"] is False
            assert body["checks"]["database"]["detail"]

            await outage.end()
            status, body = await readyz(client)
            assert status == 200, body
    finally:
        await engine.dispose()


class WriteLock:
    """Another client holds the database's write lock: reads still work, writes wait."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.connection: Any = None

    def take(self) -> None:
        if self.url.startswith("sqlite"):
            self.connection = sqlite3.connect(sqlite_path(self.url), isolation_level=None)
            self.connection.execute("BEGIN IMMEDIATE")
        else:
            dsn = make_url(self.url).set(drivername="postgresql").render_as_string(False)
            self.connection = psycopg.connect(dsn)
            self.connection.execute("LOCK TABLE lease IN EXCLUSIVE MODE")

    def release(self) -> None:
        if not self.url.startswith("sqlite"):
            self.connection.rollback()
        self.connection.close()


async def test_readyz_turns_unready_when_the_database_reads_but_cannot_write(
    session_factory: async_sessionmaker[AsyncSession], database_url: str, bot_status: BotApiStatus
) -> None:
    """A database that answers SELECT but takes no write (a full disk, a lock held for
    good) is not ready: /readyz writes a row to find out."""
    await stamp_head(database_url)
    await hold_lease(session_factory)
    app = web.Application()
    readiness = Readiness(session_factory, database_url, bot_status=bot_status, lease=False)
    add_ops_routes(app, readiness=readiness)
    lock = WriteLock(database_url)
    async with TestClient(TestServer(app)) as client:
        status, body = await readyz(client)
        assert status == 200, body
        await asyncio.to_thread(lock.take)
        try:
            status, body = await readyz(client)
        finally:
            await asyncio.to_thread(lock.release)
        assert status == 503
        assert body["checks"]["database"]["ok"] is False
        await asyncio.sleep(0.5)
        status, body = await readyz(client)
        assert status == 200, body


async def test_readyz_says_which_part_is_missing(
    session_factory: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await stamp_head(database_url)
    never_answered = BotApiStatus()
    readiness = Readiness(
        session_factory, database_url, bot_status=never_answered, redis_url="redis://127.0.0.1:1/0"
    )
    app = web.Application()
    add_ops_routes(app, readiness=readiness)
    async with TestClient(TestServer(app)) as client:
        status, body = await readyz(client)
    assert status == 503
    checks = body["checks"]
    assert checks["database"]["ok"] is True
    assert checks["bot_api"] == {"ok": False, "detail": "getMe not answered yet"}
    assert checks["redis"]["ok"] is False
    assert checks["scheduler"]["ok"] is False
    assert "lease" in checks["scheduler"]["detail"]


async def test_an_unmigrated_database_is_not_ready(
    tmp_path: Path, bot_status: BotApiStatus
) -> None:
    (tmp_path / "empty.db").touch()  # an empty file is an empty SQLite database
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    engine = create_engine(url)
    app = web.Application()
    readiness = Readiness(create_session_factory(engine), url, bot_status=bot_status)
    add_ops_routes(app, readiness=readiness)
    try:
        async with TestClient(TestServer(app)) as client:
            status, body = await readyz(client)
    finally:
        await engine.dispose()
    assert status == 503
    assert "schema at none" in body["checks"]["database"]["detail"]


async def test_the_watcher_records_getme_and_its_failures(api: FakeTelegram, bot) -> None:
    import asyncio

    status, stop = BotApiStatus(), asyncio.Event()
    stop.set()  # one round only
    await watch_bot_api(bot, status, stop=stop)
    assert status.age() is not None and status.username == "quality_quiz_bot"
    api.queue_error("getMe", 401, "Unauthorized")
    await watch_bot_api(bot, status, stop=stop)
    assert "Unauthorized" in (status.last_error or "")


async def test_start_logs_one_status_line(
    settings, session_factory, bot, database_url: str, caplog, monkeypatch, clock: MovableClock
) -> None:
    import ops.runtime

    await stamp_head(database_url)
    await hold_lease(session_factory)
    monkeypatch.setattr(ops.runtime, "STATUS_DELAY", 0.05)
    caplog.set_level(logging.INFO, logger="qualityquiz")
    ops = await start_ops(settings, session_factory, bot, serve_http=False)
    try:
        for _ in range(100):
            if any(r.getMessage().startswith("status ") for r in caplog.records):
                break
            await __import__("asyncio").sleep(0.05)
    finally:
        await ops.stop()
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("status ")]
    assert len(lines) == 1
    assert lines[0].startswith("status ready: database ok")
    assert "bot_api ok" in lines[0] and "scheduler ok" in lines[0]
