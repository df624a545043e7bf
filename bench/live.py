"""The live final's buzz-to-screen latency, on this machine, in one run (bench/README.md):

a press's ``POST /live/buzz/<token>`` is sent → the stage's SSE stream (and N more stage
viewers: the hall's screen, the host's console, the teams' phones) carries the view with
that press first. Beside it, in the same run, the press's own HTTP round trip (the answer
the phone gets), which is the baseline the latency is read against.

    python bench/live.py [--presses 40] [--viewers 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import create_engine as sync_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config import load_settings
from contest.admin.policy import Actor
from contest.live.links import issue_links
from storage.db import create_engine, create_session_factory
from storage.types import utcnow
from tables import metadata
from tests.contest.live.fixtures import act, build_final, segment
from web import add_web_routes

ADMIN = 4242


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


async def watch(
    client: aiohttp.ClientSession, url: str, seen: dict[int, float], arrived: asyncio.Event
) -> None:
    """Follow a stage stream; note when each question first shows a first buzz."""
    async with client.get(url, timeout=aiohttp.ClientTimeout(total=None)) as stream:
        async for raw in stream.content:
            line = raw.decode().strip()
            if not line.startswith("data: "):
                continue
            view = json.loads(line[6:])
            question = view.get("question")
            if question and any(b.get("rank") == 1 for b in view["buzzes"]):
                seen.setdefault(question["id"], time.perf_counter())
                arrived.set()


async def main(presses: int, viewers: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="qq-bench-live-"))
    path = folder / "bench.db"
    engine = sync_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    engine.dispose()
    url = f"sqlite+aiosqlite:///{path}"
    session_factory = create_session_factory(create_engine(url))
    settings = load_settings(
        _env_file=None, bot_token="42:BENCH", database_url=url, admin_ids=str(ADMIN)
    )
    setup = await build_final(
        session_factory, utcnow, teams=10, segments=[segment("buzzer", presses)]
    )
    links = await act(
        session_factory,
        issue_links,
        actor=Actor(ADMIN, super_admin=True),
        final_id=setup.final_id,
        key=settings.web_key,
        clock=utcnow,
    )
    app = web.Application()
    add_web_routes(app, settings=settings, session_factory=session_factory, bot=None)
    runner, base = await serve(app)
    seen: dict[int, float] = {}
    arrived = asyncio.Event()
    others: dict[int, float] = {}
    clients = [aiohttp.ClientSession() for _ in range(viewers + 1)]
    watchers = [
        asyncio.create_task(
            watch(clients[0], f"{base}/live/stage/{links.stage}/events", seen, arrived)
        )
    ]
    watchers += [
        asyncio.create_task(
            watch(c, f"{base}/live/stage/{links.stage}/events", others, asyncio.Event())
        )
        for c in clients[1:]
    ]
    screen, trip = [], []
    async with aiohttp.ClientSession() as host, aiohttp.ClientSession() as phone:
        for i in range(presses):
            async with host.post(f"{base}/live/host/{links.host}/next", json={}) as r:
                question_id = (await r.json())["question"]["id"]
            async with host.post(f"{base}/live/host/{links.host}/start", json={}) as r:
                assert r.status == 200
            await asyncio.sleep(0.05)
            token = links.buzzers[i % len(links.buzzers)].token
            t0 = time.perf_counter()
            async with phone.post(f"{base}/live/buzz/{token}", json={}) as r:
                assert (await r.json())["status"] == "first"
            trip.append(time.perf_counter() - t0)
            while question_id not in seen:
                arrived.clear()
                await arrived.wait()
            screen.append(seen[question_id] - t0)
    for task in watchers:
        task.cancel()
    await asyncio.gather(*(c.close() for c in clients))
    await runner.cleanup()

    def ms(values: list[float], q: float) -> float:
        return (
            1000 * statistics.quantiles(values, n=100)[int(q) - 1]
            if q < 100
            else 1000 * max(values)
        )

    say(f"{presses} presses, {viewers + 1} stage streams open")
    say(
        f"press round trip (baseline): median {1000 * statistics.median(trip):.1f} ms, "
        f"p95 {ms(trip, 95):.1f} ms"
    )
    say(
        f"press sent -> stage shows it first: median {1000 * statistics.median(screen):.1f} ms, "
        f"p95 {ms(screen, 95):.1f} ms, worst {ms(screen, 100):.1f} ms"
    )
    say(
        f"ratio (median): {statistics.median(screen) / statistics.median(trip):.2f}x the round trip"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument("--viewers", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.presses, args.viewers))
