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
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

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
from bench.web_clients import (
    WEB_SECRET,
    Browser,
    Result,
    answer_all,
    browsers,
    check,
    say,
    start_paper,
    viewers,
)
from tests.fakes.bot_api_server import BotApiServer


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
    limits = {"WEB_RATE_PER_ADDRESS": "1000000", "WEB_RATE_PER_WORKER": "1000000"}
    env = bot_env(url, api.url, port, WEB_SECRET=WEB_SECRET, LOG_LEVEL="WARNING", **limits)
    if args.readers is not None:
        env["DB_READERS"] = str(args.readers)
    processes = args.processes if name == "pg" else 1
    if bare:
        command = [sys.executable, str(REPO / "bench" / "bare_web.py")]
    else:
        webhook = f"http://127.0.0.1:{port}/webhook"
        command = [sys.executable, str(repo / "main.py"), "run", "--webhook", webhook]
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
                # Not timed; 20 at a time, so a loaded machine's slow starts do not queue
                # past the pool's timeout before the answering begins.
                gate = asyncio.Semaphore(20)

                async def start(b: Browser) -> None:
                    async with gate:
                        await start_paper(client, base, b, competition)

                await asyncio.gather(*(start(b) for b in people))
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
    pid = str(process.popen.pid)
    spy = ["py-spy", "record", "--pid", pid, "--format", "raw", "-o", str(out), "--rate", "200"]
    quiet = subprocess.DEVNULL
    return subprocess.Popen([*spy, "--nonblocking"], stdout=quiet, stderr=quiet)


def _db_cpu(url: str) -> float | None:
    return postgres_cpu_seconds() if url.startswith("postgresql") else None


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
    targets = ["bare", "sqlite", "pg"]
    parser.add_argument("--targets", nargs="+", default=targets[:2], choices=targets)
    parser.add_argument("--processes", type=int, default=1, help="--workers for the pg target")
    parser.add_argument("--readers", type=int, default=None, help="DB_READERS (SQLite)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--before", help="another checkout to run the SQLite target from too")
    parser.add_argument("--profile", action="store_true", help="py-spy the server (raw stacks)")
    asyncio.run(main(parser.parse_args()))
