"""The web face under load, on this machine, in one run (figures in bench/README.md):

1. answers/s through POST /api/answer (session, CSRF, rates, the core's answer, SQLite)
   beside a bare aiohttp handler that only parses JSON and answers, same client, same loop;
2. one process holding N big-screen viewers (SSE clients) while answers arrive: how long
   from an answer's commit until every viewer has the new board.

    python bench/web.py [--workers 200] [--viewers 500]
"""

from __future__ import annotations

import argparse
import asyncio
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
from contest.big_screen import issue_screen
from contest.signing import link_token
from storage.db import create_engine, create_session_factory
from storage.types import utcnow
from tables import metadata
from tests.bot.fixtures import right_answer
from tests.web.demo import build_plant
from web import add_web_routes


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


async def bare(concurrency: int, total: int) -> float:
    async def handler(request: web.Request) -> web.Response:
        await request.json()
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/answer", handler)
    runner, url = await serve(app)
    async with aiohttp.ClientSession() as client:

        async def one() -> None:
            async with client.post(f"{url}/answer", json={"response": 1}) as r:
                await r.read()

        started = time.perf_counter()
        for _ in range(total // concurrency):
            await asyncio.gather(*(one() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    await runner.cleanup()
    return total / elapsed


async def main(workers: int, viewers: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="qq-bench-web-"))
    path = folder / "bench.db"
    engine = sync_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    engine.dispose()
    url = f"sqlite+aiosqlite:///{path}"
    session_factory = create_session_factory(create_engine(url))
    settings = load_settings(
        _env_file=None,
        bot_token="42:BENCH",
        database_url=url,
        web_rate_per_address=1e6,
        web_rate_per_worker=1e6,
    )
    async with session_factory() as session:
        plant = await build_plant(session, utcnow, workers=workers, question_time_limit_s=600)
        screen = await issue_screen(
            session, competition_id=plant.competition.id, created_by=0, language="zh", clock=utcnow
        )
        await session.commit()
    app = web.Application()
    add_web_routes(app, settings=settings, session_factory=session_factory, bot=None)
    runner, base = await serve(app)
    jar_clients = []
    for worker in plant.workers:
        client = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        token = link_token(
            settings.web_key,
            worker_id=worker.id,
            competition_id=plant.competition.id,
            ends_at=plant.competition.ends_at,
        )
        await client.get(f"{base}/h5/{token}", allow_redirects=False)
        csrf = (await (await client.get(f"{base}/api/session")).json())["csrf"]
        started = await client.post(
            f"{base}/api/start",
            json={"competition_id": plant.competition.id},
            headers={"X-CSRF-Token": csrf},
        )
        jar_clients.append((client, csrf, await started.json()))
    # 1. answers/s: every worker answers its open question, all at once, five rounds.
    answered = 0
    started_at = time.perf_counter()
    for _ in range(5):

        async def answer(entry: tuple) -> dict:
            client, csrf, q = entry
            qtype, right = await right_answer(
                session_factory, attempt_id=q["attempt_id"], position=q["position"]
            )
            response = right[0] if qtype.value == "single" else right
            if qtype.value == "true_false":
                response = int(bool(right))
            if qtype.value == "blank":
                response = [right]
            t0 = time.perf_counter()
            async with client.post(
                f"{base}/api/answer",
                headers={"X-CSRF-Token": csrf},
                json={
                    "attempt_id": q["attempt_id"],
                    "position": q["position"],
                    "response": response,
                },
            ) as r:
                body = await r.json()
            return {"step": body, "t": time.perf_counter() - t0}

        results = await asyncio.gather(*(answer(e) for e in jar_clients))
        answered += len(results)
        jar_clients = [
            (c, s, r["step"]["next"])
            for (c, s, _), r in zip(jar_clients, results, strict=True)
            if r["step"].get("next")
        ]
        if not jar_clients:
            break
    web_rate = answered / (time.perf_counter() - started_at)
    bare_rate = await bare(min(workers, 200), 4000)
    say(
        f"answers through /api/answer: {answered} in total, {web_rate:.0f}/s "
        f"(includes looking up each right answer); bare aiohttp handler: {bare_rate:.0f}/s"
    )
    # 2. viewers: N SSE clients on one screen; time from a commit to the last viewer's board.
    counts: dict[int, int] = {}
    got = asyncio.Event()

    async def viewer(i: int, client: aiohttp.ClientSession) -> None:
        async with client.get(
            f"{base}/screen/{screen.token}/events", timeout=aiohttp.ClientTimeout(total=None)
        ) as r:
            async for line in r.content:
                if line.startswith(b"data: "):
                    counts[i] = counts.get(i, 0) + 1
                    if len(counts) == viewers and all(v >= marker for v in counts.values()):
                        got.set()

    viewers_client = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    tasks = [asyncio.create_task(viewer(i, viewers_client)) for i in range(viewers)]
    marker = 1
    while len(counts) < viewers:  # noqa: ASYNC110 - a benchmark's own start-up wait
        await asyncio.sleep(0.1)
    latencies = []
    for round_ in range(5):
        marker = round_ + 2
        got.clear()
        worker = plant.workers[round_]
        async with session_factory() as session:  # what an answer does to the standing
            from sqlalchemy import update

            from contest.models import Standing

            await session.execute(
                update(Standing)
                .where(Standing.worker_id == worker.id)
                .values(score=Standing.score + 1, updated_at=utcnow())
            )
            await session.commit()
        t0 = time.perf_counter()
        await asyncio.wait_for(got.wait(), 10)
        latencies.append(time.perf_counter() - t0)
    say(
        f"{viewers} SSE viewers: commit → every viewer has the new board: "
        f"median {statistics.median(latencies) * 1000:.0f} ms, "
        f"worst {max(latencies) * 1000:.0f} ms "
        f"(polling interval 0.5 s)"
    )
    for task in tasks:
        task.cancel()
    await viewers_client.close()
    for client, _, _ in jar_clients:
        await client.close()
    await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=200)
    parser.add_argument("--viewers", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(main(args.workers, args.viewers))
