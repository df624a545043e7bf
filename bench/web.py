"""The browser's answer path under a crowd, beside a bare aiohttp process, in one run.

    python bench/web.py --workers 200 --viewers 100            # bare vs 1 process on SQLite
    python bench/web.py --targets bare pg --processes 2         # 2 processes on PostgreSQL
    python bench/web.py --repeat 3                              # three rounds, each a ratio
    python bench/web.py --before /work/main                     # … and main's code beside

The QualityQuiz target is the production process, ``main.py run --webhook URL [--workers N]``
(the web face runs in the bot's process, on the webhook's port), configured only through
its environment, with ``tests/fakes/bot_api_server.py`` as its Bot API. Each of ``--workers``
clients is a signed-in browser (its session cookie and CSRF header, as the page sends them):
it starts the competition (not timed), then posts ``/api/answer`` for question after question
with no think time, each next question taken from the answer's JSON, until its paper is done.
The bare target (``bench/bare_web.py``) gets the same clients, the same bodies and headers,
as many posts. Afterwards the database is checked: every acknowledged answer stored, once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine as sync_engine
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (
    REPO,
    Process,
    bot_env,
    drop_database,
    free_port,
    fresh_database,
    postgres_cpu_seconds,
    seed_contest,
    start_process,
)
from contest.signing import new_session
from storage.db import sync_url
from tests.fakes.bot_api_server import BotApiServer

WEB_SECRET = "bench-web-secret"
KEY = WEB_SECRET.encode()


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@dataclass
class Result:
    name: str
    answers: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    db_cpu: float | None = None
    errors: list[str] = field(default_factory=list)
    lost: int = 0
    doubled: int = 0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.answers / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies) or [float("nan")]
        return ordered[min(int(q * len(ordered)), len(ordered) - 1)] * 1000


@dataclass
class Browser:
    worker_id: int
    cookie: str
    csrf: str
    question: dict[str, Any] | None = None
    acked: list[tuple[int, int]] = field(default_factory=list)


def browsers(worker_ids: list[int], competition_id: int | None) -> list[Browser]:
    out = []
    now = datetime.now(UTC)
    for worker_id in worker_ids:
        token, session = new_session(
            KEY, worker_id=worker_id, via="app", now=now, competition_id=competition_id
        )
        out.append(Browser(worker_id, f"qq_session={token}", session.csrf(KEY)))
    return out


def headers(browser: Browser) -> dict[str, str]:
    return {"Cookie": browser.cookie, "X-CSRF-Token": browser.csrf}


async def _listening(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


async def _wait(process: Process, port: int, within: float = 90) -> None:
    deadline = time.monotonic() + within
    while not await _listening(port):
        if process.popen.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start; see {process.log}")
        await asyncio.sleep(0.2)
    await asyncio.sleep(3.0)  # the other workers of a --workers launch come up too


def _response(question: dict[str, Any], rng: random.Random) -> Any:
    qtype = question["qtype"]
    if qtype == "single":
        return rng.randrange(len(question["options"]))
    if qtype == "multiple":
        return [0, 1]
    if qtype == "true_false":
        return rng.randrange(2)
    return ["9"] * max(1, question.get("blanks") or 1)


async def answer_all(
    client: aiohttp.ClientSession, base: str, people: list[Browser], result: Result, *, bare: bool,
    per_worker: int,
) -> None:  # fmt: skip
    """Every browser answers until its paper is done (bare: ``per_worker`` posts each)."""
    rng = random.Random(7)

    async def one(browser: Browser) -> None:
        for n in range(per_worker):
            q = browser.question
            if not bare and q is None:
                return
            body = (
                {"attempt_id": q["attempt_id"], "position": q["position"],
                 "response": _response(q, rng)}
                if q is not None
                else {"attempt_id": 1, "position": n, "response": 2}
            )  # fmt: skip
            t0 = time.perf_counter()
            try:
                async with client.post(
                    f"{base}/api/answer", json=body, headers=headers(browser)
                ) as r:
                    status, data = r.status, await r.json()
            except (aiohttp.ClientError, ValueError) as error:
                result.errors.append(repr(error))
                return
            result.latencies.append(time.perf_counter() - t0)
            if status != 200:
                result.errors.append(f"{status} {data}")
                return
            if bare:
                continue
            if data.get("outcome") not in ("scored", "timeout"):
                result.errors.append(f"outcome {data.get('outcome')}")
                return
            assert q is not None
            browser.acked.append((q["attempt_id"], q["position"]))
            browser.question = data.get("next")

    await asyncio.gather(*(one(b) for b in people))


def check(url: str, people: list[Browser], result: Result) -> None:
    """Lost: acknowledged but not stored. Doubled: an attempt's totals count more than its
    stored answers, or the standing shows another score than the attempt."""
    acked = {pair for b in people for pair in b.acked}
    engine = sync_engine(sync_url(url))
    with engine.connect() as conn:
        stored = {
            (a, p)
            for a, p in conn.execute(
                text("SELECT attempt_id, position FROM attempt_question WHERE status != 'pending'")
            )
        }
        wrong_totals = conn.execute(
            text(
                "SELECT count(*) FROM attempt a WHERE a.correct_count != (SELECT count(*) FROM"
                " attempt_question q WHERE q.attempt_id = a.id AND q.correct)"
                " OR abs(a.score - (SELECT coalesce(sum(q.score), 0) FROM attempt_question q"
                " WHERE q.attempt_id = a.id)) > 0.001"
            )
        ).scalar()
        wrong_standings = conn.execute(
            text(
                "SELECT count(*) FROM standing s JOIN attempt a ON a.id = s.attempt_id"
                " WHERE abs(s.score - a.score) > 0.051"
            )
        ).scalar()
    engine.dispose()
    result.lost = len(acked - stored)
    result.doubled = int(wrong_totals or 0) + int(wrong_standings or 0)
    extra = stored - acked
    if extra:
        result.errors.append(f"{len(extra)} answers stored that were never acknowledged")


async def run_target(name: str, args: argparse.Namespace, folder: Path) -> Result:
    repo = REPO
    if name == "before":  # the same SQLite run against another checkout (``--before PATH``)
        name, repo = "sqlite", Path(args.before)
    bare = name == "bare"
    api = BotApiServer("424242:BENCH-token-for-the-load-harness")
    await api.start()
    database = "postgresql" if name == "pg" else "sqlite"
    url = "" if bare else await asyncio.to_thread(fresh_database, database, folder)
    competition = 0
    if url:
        competition = seed_contest(url, workers=args.workers, questions=args.questions)
    port = free_port()
    env = bot_env(url, api.url, port, WEB_SECRET=WEB_SECRET, WEB_RATE_PER_ADDRESS="1000000",
                  WEB_RATE_PER_WORKER="1000000", LOG_LEVEL="WARNING")  # fmt: skip
    if args.readers is not None:
        env["DB_READERS"] = str(args.readers)
    processes = args.processes if name == "pg" else 1
    if bare:
        command = [sys.executable, str(REPO / "bench" / "bare_web.py")]
    else:
        command = [sys.executable, str(repo / "main.py"), "run", "--webhook",
                   f"http://127.0.0.1:{port}/webhook"]  # fmt: skip
        if processes > 1:
            command += ["--workers", str(processes)]
    label = name if processes == 1 else f"{name}×{processes}"
    label = label if repo == REPO else f"{label} ({repo.name})"
    process = start_process(command, env, folder / f"{label.replace(' ', '-')}.log")
    base = f"http://127.0.0.1:{port}"
    result = Result(label)
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    try:
        await _wait(process, port)
        ids = list(range(1, args.workers + 1))
        people = browsers(ids, competition or None)
        async with aiohttp.ClientSession(connector=connector) as client:
            if not bare:
                await asyncio.gather(*(_start(client, base, b, competition) for b in people))
            spy = _profile(args, process, folder / f"{name}.prof") if not bare else None
            cpu0, db0 = process.cpu_seconds(), _db_cpu(url)
            t0 = time.perf_counter()
            await answer_all(client, base, people, result, bare=bare, per_worker=args.questions)
            result.seconds = time.perf_counter() - t0
            result.cpu = process.cpu_seconds() - cpu0
            db1 = _db_cpu(url)
            result.db_cpu = None if db0 is None or db1 is None else db1 - db0
            result.answers = len(result.latencies)
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(30)
            if url:  # while it still runs: nothing acknowledged may be missing or doubled
                await asyncio.to_thread(check, url, people, result)
            if url and args.viewers and name == "sqlite" and repo == REPO:
                await viewers(client, base, url, competition, args.viewers)
    finally:
        process.stop()
        await api.stop()
    if url:
        drop_database(url)
    return result


def _profile(
    args: argparse.Namespace, process: Process, out: Path
) -> subprocess.Popen[bytes] | None:
    """``--profile``: py-spy samples the server while it answers (collapsed stacks)."""
    if not args.profile:
        return None
    return subprocess.Popen(
        ["py-spy", "record", "--pid", str(process.popen.pid), "--format", "raw", "-o", str(out),
         "--rate", "200", "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _db_cpu(url: str) -> float | None:
    return postgres_cpu_seconds() if url.startswith("postgresql") else None


async def _start(client: aiohttp.ClientSession, base: str, b: Browser, competition: int) -> None:
    async with client.post(
        f"{base}/api/start", json={"competition_id": competition}, headers=headers(b)
    ) as r:
        data = await r.json()
    if r.status != 200 or data.get("type") != "question":
        raise RuntimeError(f"start failed: {r.status} {data}")
    b.question = data


async def viewers(
    client: aiohttp.ClientSession, base: str, url: str, competition: int, count: int
) -> None:
    """``count`` SSE clients on one screen; from a standing's commit to the last one's board."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from contest.big_screen import issue_screen
    from storage.db import create_session_factory
    from storage.types import utcnow

    engine = create_async_engine(url)
    factory = create_session_factory(engine)
    async with factory() as session:
        screen = await issue_screen(
            session, competition_id=competition, created_by=0, language="zh", clock=utcnow
        )
        await session.commit()
    counts: dict[int, int] = {}
    got = asyncio.Event()
    marker = 1

    async def viewer(i: int) -> None:
        async with client.get(
            f"{base}/screen/{screen.token}/events", timeout=aiohttp.ClientTimeout(total=None)
        ) as r:
            async for line in r.content:
                if line.startswith(b"data: "):
                    counts[i] = counts.get(i, 0) + 1
                    if len(counts) == count and all(v >= marker for v in counts.values()):
                        got.set()

    tasks = [asyncio.create_task(viewer(i)) for i in range(count)]
    while len(counts) < count:  # noqa: ASYNC110 - a benchmark's own start-up wait
        await asyncio.sleep(0.1)
    latencies = []
    for round_ in range(5):
        marker = round_ + 2
        got.clear()
        async with factory() as session:  # what an answer does to the standing
            await session.execute(
                text(
                    "UPDATE standing SET score = score + 1 WHERE worker_id = :w"
                    " AND competition_id = :c"
                ),
                {"w": round_ + 1, "c": competition},
            )
            await session.commit()
        t0 = time.perf_counter()
        await asyncio.wait_for(got.wait(), 10)
        latencies.append(time.perf_counter() - t0)
    for task in tasks:
        task.cancel()
    await engine.dispose()
    say(
        f"  {count} SSE viewers: commit → every viewer has the new board: median "
        f"{statistics.median(latencies) * 1000:.0f} ms, worst {max(latencies) * 1000:.0f} ms"
    )


def report(results: list[Result], bare: Result | None) -> None:
    for r in results:
        vs = f"{r.rate / bare.rate * 100:5.1f} % of bare" if bare and r is not bare else "—"
        cpu = r.cpu / r.answers * 1000 if r.answers else float("nan")
        db = "" if r.db_cpu is None else f", PostgreSQL {r.db_cpu / max(r.answers, 1) * 1000:.2f}"
        say(
            f"  {r.name:<12} {r.answers:6d} answers in {r.seconds:6.2f} s = {r.rate:7.1f}/s"
            f"  {vs}  p50/p95 {r.pct(0.5):.0f}/{r.pct(0.95):.0f} ms"
            f"  CPU ms/answer {cpu:.2f}{db}  errors {len(r.errors)} lost {r.lost}"
            f" doubled {r.doubled}"
        )
        for error in r.errors[:3]:
            say(f"    ! {error[:200]}")


async def main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="qq-bench-web-"))
    say(f"logs in {folder}")
    for round_ in range(args.repeat):
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        say(f"round {round_ + 1} (load average {load})")
        targets = [*args.targets, *(["before"] if args.before else [])]
        if round_ % 2:  # every other round the other way round: a load that drifts hits both
            targets = [targets[0], *reversed(targets[1:])]
        results = [await run_target(name, args, folder) for name in targets]
        bare = next((r for r in results if r.name == "bare"), None)
        report(results, bare)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=200, help="browsers answering at once")
    parser.add_argument("--questions", type=int, default=10, help="questions per paper")
    parser.add_argument("--viewers", type=int, default=0, help="SSE viewers (SQLite run)")
    parser.add_argument("--targets", nargs="+", default=["bare", "sqlite"],
                        choices=["bare", "sqlite", "pg"])  # fmt: skip
    parser.add_argument("--processes", type=int, default=1, help="--workers for the pg target")
    parser.add_argument("--readers", type=int, default=None, help="DB_READERS (SQLite)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--before", help="another checkout to run the SQLite target from too")
    parser.add_argument("--profile", action="store_true", help="py-spy the server (raw stacks)")
    asyncio.run(main(parser.parse_args()))
