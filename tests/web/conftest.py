"""Fixtures for the web face: the test's database and clock behind a real aiohttp server on
a free local port, the chat side (the real dispatcher and the fake Bot API) beside it, and
Debian's Chromium for the browser tests (launched by path; in CI a missing one fails)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiogram import Bot
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from tests.bot.conftest import api, bot, dp, intake, settings, worker_chat  # noqa: F401
from tests.conftest import IN_CI, MovableClock
from web import add_web_routes
from web.context import WebContext

CHROMIUM = os.environ.get("QQ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
HAVE_CHROMIUM = Path(CHROMIUM).exists()
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screens"


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The web tests run on SQLite (the browser is the slow part; the core's own tests
    cover PostgreSQL)."""
    path = tmp_path / "web.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite+aiosqlite:///{path}"


@dataclass
class WebServer:
    """The web face on 127.0.0.1:<port>; ``restart`` stops it and serves again on the port."""

    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    bot: Bot | None
    clock: MovableClock
    port: int = 0
    runner: web.AppRunner | None = None
    ctx: WebContext | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        self.ctx = add_web_routes(
            app, settings=self.settings, session_factory=self.session_factory, bot=self.bot,
            clock=self.clock,
        )  # fmt: skip
        self.runner = web.AppRunner(app, shutdown_timeout=1)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", self.port)
        await site.start()
        if not self.port:
            server = site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()


@pytest.fixture
async def web_server(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    bot: Bot,
    clock: MovableClock,
) -> AsyncIterator[WebServer]:
    server = WebServer(settings.model_copy(update={"web_rate_per_worker": 50.0}),
                       session_factory, bot, clock)  # fmt: skip
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    if not HAVE_CHROMIUM:
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


def keep_screenshot(name: str) -> Path | None:
    """Where a browser test saves a picture for docs/screens (QQ_SCREENSHOTS=1 only)."""
    if os.environ.get("QQ_SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name
