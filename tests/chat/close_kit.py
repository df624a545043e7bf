"""What the close-message tests share: the web face on a local port (where a message's link
is opened), the close's jobs run as the scheduler runs them, waiting for the outbox, and a
link opened as the worker's phone opens it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from contest.outbox import OutboxMessage, OutboxStatus
from scheduler.context import JobContext
from scheduler.dispatch import run_due_jobs
from tests.conftest import MovableClock
from web import add_web_routes


async def web_face(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: MovableClock
) -> TestServer:
    app = web.Application()
    add_web_routes(app, settings=settings, session_factory=session_factory, bot=None, clock=clock)
    server = TestServer(app)
    await server.start_server()
    return server


async def close_now(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], clock: MovableClock
) -> dict[str, str]:
    """The scheduler's due jobs, as its tick runs them: {job key: outcome}."""
    ctx = JobContext(settings, session_factory, clock)
    return {f.key: f.outcome for f in await run_due_jobs(ctx)}


async def rows(
    session_factory: async_sessionmaker[AsyncSession], *, channel: str | None = None
) -> list[OutboxMessage]:
    async with session_factory() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if channel is not None:
            query = query.where(OutboxMessage.channel == channel)
        return list((await session.execute(query)).scalars())


async def until(condition: Callable[[], Any], within: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("never happened")
        await asyncio.sleep(0.02)


async def all_sent(
    session_factory: async_sessionmaker[AsyncSession], channel: str, within: float = 60.0
) -> list[OutboxMessage]:
    """The channel's rows once none is pending; every one of them sent."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        found = await rows(session_factory, channel=channel)
        if found and all(r.status != OutboxStatus.PENDING for r in found):
            break
        if loop.time() > deadline:
            raise TimeoutError(f"{channel} rows still pending")
        await asyncio.sleep(0.05)
    assert {r.status for r in found} == {OutboxStatus.SENT}, [(r.kind, r.last_error) for r in found]
    return found


def is_png(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.format == "PNG"
        return picture.size


async def open_result_link(url: str, competition_id: int) -> dict[str, Any]:
    """Open the message's link in a fresh browser (no session): it signs the worker in and
    lands on their result page; the result the page then reads."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        landing = await browser.get(url, allow_redirects=False)
        assert landing.status == 303, await landing.text()
        assert landing.headers["Location"] == f"/quiz?c={competition_id}&results=1"
        base = url.split("/h5/")[0]
        page = await browser.get(f"{base}{landing.headers['Location']}")
        assert page.status == 200
        answer = await browser.get(f"{base}/api/results/{competition_id}")
        assert answer.status == 200, await answer.text()
        body: dict[str, Any] = await answer.json()
        for kind in ("certificate", "card"):
            if body.get(kind):
                picture = await browser.get(f"{base}{body[kind]}")
                assert picture.status == 200
                is_png(await picture.read())
        return body
