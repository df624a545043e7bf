"""A plant signing in from 企业微信 at once, on this machine, in one run (bench/README.md):

N workers open the competition's link inside WeCom at the same moment. Each goes through
the whole dance over real HTTP — our start page (302 with a signed state), WeCom's
authorize page (the fake, in this process, 302 back with a code), our callback (getuserinfo
and user/get on the fake, the roster placement and the identity link on SQLite, the
session cookie, 303 to the quiz). Then the same N again, now linked. Beside them, in the
same run and client, a bare aiohttp app answering the same three hops with no work.

    python bench/signin.py [--workers 500]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import create_engine as sync_engine
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import load_settings
from contest.identities import WorkerIdentity
from storage.db import create_engine, create_session_factory
from storage.types import utcnow
from tables import metadata
from tests.fakes.signin_platform import USER_COOKIE
from tests.fakes.signin_wecom import FakeWeCom
from tests.web.demo import build_plant
from web import add_web_routes


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def dance(base: str, start: str, user: str) -> int:
    """One in-app browser: start → authorize → callback; the callback's status (303: on
    the way to the quiz, 503: "too many people signing in, try again")."""
    jar = aiohttp.CookieJar(unsafe=True)
    jar.update_cookies({USER_COOKIE: user})
    async with aiohttp.ClientSession(cookie_jar=jar) as client:
        location, status = f"{base}{start}", 0
        for _ in range(3):
            async with client.get(location, allow_redirects=False) as response:
                await response.read()
                status = response.status
                target = response.headers.get("Location", "")
            if not target:
                break
            location = target if target.startswith("http") else f"{base}{target}"
        return status


async def bare_hops(workers: int) -> float:
    async def hop(request: web.Request) -> web.Response:
        step = int(request.match_info["step"])
        target = f"/hop/{step + 1}" if step < 2 else "/quiz?c=1"
        return web.Response(status=302, headers={"Location": target})

    app = web.Application()
    app.router.add_get("/hop/{step}", hop)
    runner, base = await serve(app)
    started = time.perf_counter()
    landed = await asyncio.gather(*(dance(base, "/hop/0", "x") for _ in range(workers)))
    elapsed = time.perf_counter() - started
    await runner.cleanup()
    assert set(landed) == {302}
    return workers / elapsed


async def main(workers: int) -> None:
    path = Path(tempfile.mkdtemp(prefix="qq-bench-signin-")) / "bench.db"
    engine = sync_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    engine.dispose()
    url = f"sqlite+aiosqlite:///{path}"
    session_factory = create_session_factory(create_engine(url))
    wecom = FakeWeCom()
    await wecom.start()
    settings = load_settings(
        _env_file=None,
        bot_token="42:BENCH",
        database_url=url,
        web_rate_per_address=1e6,
        wecom_corp_id=wecom.corp_id,
        wecom_agent_id=wecom.agent_id,
        wecom_secret=SecretStr(wecom.secret),
        wecom_api_base=wecom.url,
        wecom_oauth_base=wecom.url,
    )
    async with session_factory() as session:
        plant = await build_plant(session, utcnow, workers=workers)
    for worker in plant.workers:
        wecom.member(f"u{worker.id}", name=worker.real_name, alias=worker.employee_no or "")
    app = web.Application()
    add_web_routes(app, settings=settings, session_factory=session_factory, bot=None)
    runner, base = await serve(app)
    start = f"/join/{plant.competition.id}/wecom"
    rates, busy = [], []
    for _ in ("first", "linked"):
        began = time.perf_counter()
        statuses = await asyncio.gather(
            *(dance(base, start, f"u{worker.id}") for worker in plant.workers)
        )
        rates.append(workers / (time.perf_counter() - began))
        assert set(statuses) <= {303, 503}, statuses
        busy.append(statuses.count(503))
    async with session_factory() as session:
        links = (await session.execute(select(func.count()).select_from(WorkerIdentity))).scalar()
    assert workers - busy[0] <= links <= workers, links  # a busy first try links later
    bare = await bare_hops(workers)
    say(
        f"{workers} WeCom sign-ins at once: first time {rates[0]:.0f}/s "
        f"({busy[0]} told to try again), linked {rates[1]:.0f}/s ({busy[1]}); bare three hops "
        f"{bare:.0f}/s (first {rates[0] / bare:.1%}, linked {rates[1] / bare:.1%}); "
        f"{links} accounts linked once each, app token fetched {wecom.token_fetches}x"
    )
    await runner.cleanup()
    await wecom.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=500)
    asyncio.run(main(parser.parse_args().workers))
