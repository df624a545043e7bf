"""Load harness: Telegram played against the real bot over HTTP, beside a bare aiogram bot.

    python bench/load.py                                  # 1 process on SQLite vs bare bot
    python bench/load.py --targets pg --processes 2       # 2 webhook workers on PostgreSQL
    python bench/load.py --rush 10000 --targets pg --processes 2   # a 10,000-worker start
    python bench/load.py --rounds 40 --workers 600   # closed rounds: bare vs ours saturated

Each simulated worker is a phone (bench/harness.py ``Phone``): it sends ``/quiz``, taps the
competition, and then answers question after question with a think time between the reply
and its next tap. Updates go to the bot's webhook with the secret token (as Telegram posts
them); the bot's calls go to ``tests/fakes/bot_api_server.py`` over HTTP, through the bot's
real sender and limits. Latency is from the webhook POST of a tap to the moment the Bot API
server receives the edit showing the next question. The bare bot (bench/bare_bot.py) gets the
same phones, think times and server, and answers each tap with a callback answer and an edit.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redis.asyncio import Redis

from bench.harness import (
    FIRST_USER,
    REPO,
    TOKEN,
    Phone,
    Process,
    Result,
    Stats,
    bot_env,
    database_counts,
    drop_database,
    free_port,
    fresh_database,
    postgres_cpu_seconds,
    report,
    seed_contest,
    start_process,
    think,
    timed,
)
from tests.fakes.bot_api_server import BotApiServer
from tests.fakes.flood import FloodControl

# CPU is measured with Telegram's limits lifted (a sender waiting on 30/s would measure
# Telegram, not the bot); --limits real keeps them, at the fake and in the bot.
LIFTED = {"per_bot": 10**9, "per_chat": 10**9, "chat_burst": 10**9, "per_group_minute": 10**9}


async def _wait_for_webhook(
    api: BotApiServer, process: Process, port: int, within: float = 90
) -> None:
    """Until the webhook is set and something listens on its port (every worker, soon)."""
    deadline = time.monotonic() + within
    while api.webhook_url is None or not await _listening(port):
        if process.popen.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the bot did not start; see {process.log}")
        await asyncio.sleep(0.2)
    await asyncio.sleep(3.0)  # the other workers of a --workers launch come up too


async def _listening(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


async def flush_redis(url: str) -> None:
    """A clean Redis database for a run (conversation states and pacing keys of the last)."""
    redis = Redis.from_url(url)
    try:
        await redis.flushdb()
    finally:
        await redis.aclose()


async def run_target(
    name: str,
    args: argparse.Namespace,
    folder: Path,
    *,
    bare: bool,
    database: str,
    processes: int,
) -> Result:
    real = args.limits == "real"
    api = BotApiServer(TOKEN, limits=FloodControl() if real else FloodControl(**LIFTED))
    await api.start()
    url = await asyncio.to_thread(fresh_database, database, folder) if not bare else ""
    competition = seed_contest(url, workers=args.workers, questions=args.questions) if url else 0
    port = free_port()
    extra = {"DB_POOL_SIZE": args.pool} if args.pool else {}
    if not real:
        extra["TELEGRAM_MESSAGES_PER_SECOND"] = "1000"
    if args.readers is not None:
        extra["DB_READERS"] = str(args.readers)
    if database == "postgresql" and args.redis:  # FSM and the shared Telegram limits
        await flush_redis(args.redis)
        extra["REDIS_URL"] = args.redis
    env = bot_env(url, api.url, port, **extra)
    command = [sys.executable, str(REPO / "bench" / "bare_bot.py")]
    if not bare:
        command = [
            sys.executable,
            str(REPO / "main.py"),
            "run",
            "--webhook",
            env["BENCH_WEBHOOK_URL"],
        ]
        if processes > 1:
            command += ["--workers", str(processes)]
    process = start_process(command, env, folder / f"{name}.log")
    phones = [Phone(api, FIRST_USER + i) for i in range(args.workers)]
    stats = Stats()
    try:
        await _wait_for_webhook(api, process, port)
        if bare:
            for phone in phones:  # a message with a button to tap, as if sent before
                keyboard = [[{"text": "A", "callback_data": "a:0:0:0"}]]
                api._store(
                    {
                        "chat_id": phone.user_id,
                        "text": "第 0 题",
                        "reply_markup": {"inline_keyboard": keyboard},
                    }
                )
        joins = _join(
            phones, stats, competition, bare=bare, spread=args.spread, wait=args.join_wait
        )
        if args.rounds:
            result = await _measure_rounds(name, args, process, phones, stats, url, joins)
        else:
            result = await _measure(name, args, process, phones, stats, url, joins)
        # New messages (not edits) among those accepted until everyone was in.
        until_in = api.limits.accepted[: result.join_messages]
        result.join_messages = sum(1 for _, _, method in until_in if method == "sendmessage")
        result.redelivered = stats.redelivered
        return result
    finally:
        process.stop()
        await api.stop()
        if url:
            drop_database(url)


def _join(
    phones: list[Phone], stats: Stats, competition: int, *, bare: bool, spread: float, wait: float
) -> list[asyncio.Task[None]]:
    """Every phone opens the quiz and taps the competition (spread over ``spread`` s): a task
    each, done when that phone has its first question (the bare bot needs no join)."""

    async def join(i: int, phone: Phone) -> None:
        if bare:
            return
        await asyncio.sleep(spread * i / len(phones))
        # Under Telegram's 30 messages/s the last of 10,000 quiz lists comes after 333 s.
        await timed(phone, phone.says("/quiz"), stats, wait=wait)
        await timed(phone, phone.taps_first_button(), stats, wait=wait)

    return [asyncio.create_task(join(i, p)) for i, p in enumerate(phones)]


async def _everyone_in(joins: list[asyncio.Task[None]]) -> float:
    """Seconds from now until the last phone has its first question."""
    begin = time.monotonic()
    await asyncio.gather(*joins)
    return time.monotonic() - begin


async def _measure(
    name: str,
    args: argparse.Namespace,
    process: Process,
    phones: list[Phone],
    stats: Stats,
    url: str,
    joins: list[asyncio.Task[None]],
) -> Result:
    """Open load: each phone answers from the moment it has its first question, with
    ``--think`` between a reply and the next tap. Measured once everyone is in, after
    ``--warmup``: a tap's latency then is what a worker meets in a crowd that has started."""
    pause = think(*args.think)
    stop_at: float | None = None

    async def answer_loop(phone: Phone, joined: asyncio.Task[None]) -> None:
        await joined
        while True:
            await asyncio.sleep(pause())
            if stop_at is not None and time.monotonic() >= stop_at:
                return
            stats.taps += 1
            seconds = await timed(phone, phone.taps_first_button(), stats)
            stats.latencies.append((time.monotonic(), seconds))

    loops = asyncio.gather(*(answer_loop(p, j) for p, j in zip(phones, joins, strict=True)))
    started_all = await _everyone_in(joins)
    await asyncio.sleep(args.warmup)
    window_start, cpu0 = time.monotonic(), process.cpu_seconds()
    stop_at = window_start + args.duration
    db0 = postgres_cpu_seconds() if url.startswith("postgresql") else None
    await asyncio.sleep(args.duration)
    window_end, cpu1 = time.monotonic(), process.cpu_seconds()
    db1 = postgres_cpu_seconds() if url.startswith("postgresql") else None
    await loops
    await asyncio.sleep(2.0)  # let the last marks reach the inbox
    latencies = stats.window(window_start, window_end)
    return Result(
        name=name,
        answers=len(latencies),
        seconds=window_end - window_start,
        latencies=latencies,
        bot_cpu=cpu1 - cpu0,
        db_cpu=(db1 - db0) if db0 is not None and db1 is not None else None,
        errors=stats.errors,
        floods=len(phones[0].api.flood),
        counts=database_counts(url) if url else {},
        taps=stats.taps,
        post_seconds=stats.post_seconds,
        start_all_s=started_all,
        join_messages=len(phones[0].api.limits.accepted),
    )


async def _measure_rounds(
    name: str,
    args: argparse.Namespace,
    process: Process,
    phones: list[Phone],
    stats: Stats,
    url: str,
    joins: list[asyncio.Task[None]],
) -> Result:
    """Closed rounds: ``--round-size`` workers (the next ones in turn) tap at the same
    moment; the next round starts when all have their reply. The same shape for the bare
    bot and ours, so each is measured at its own capacity. The first fifth is warm-up."""
    size, warmup = args.round_size, max(args.rounds // 5, 1)
    turn = 0

    async def one_round() -> None:
        nonlocal turn
        group = [phones[(turn + i) % len(phones)] for i in range(size)]
        turn += size
        stats.taps += size
        seconds = await asyncio.gather(*(timed(p, p.taps_first_button(), stats) for p in group))
        now = time.monotonic()
        stats.latencies.extend((now, s) for s in seconds)

    started_all = await _everyone_in(joins)
    join_messages = len(phones[0].api.limits.accepted)
    for _ in range(warmup):
        await one_round()
    stats.taps = 0
    window_start, cpu0 = time.monotonic(), process.cpu_seconds()
    for _ in range(args.rounds):
        await one_round()
    window_end, cpu1 = time.monotonic(), process.cpu_seconds()
    await asyncio.sleep(2.0)  # let the last marks reach the inbox
    latencies = stats.window(window_start, window_end + 1)
    counts = database_counts(url) if url else {}
    if counts:  # the warm-up rounds' answers are stored too
        counts["answered"] -= warmup * size
    return Result(
        name=name,
        answers=len(latencies),
        seconds=window_end - window_start,
        latencies=latencies,
        bot_cpu=cpu1 - cpu0,
        db_cpu=None,
        errors=stats.errors,
        floods=len(phones[0].api.flood),
        counts=counts,
        taps=stats.taps,
        post_seconds=stats.post_seconds,
        start_all_s=started_all,
        join_messages=join_messages,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=400)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--duration", type=float, default=40.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 2.0))
    parser.add_argument("--spread", type=float, default=5.0, help="join over this many seconds")
    targets = ["bare", "sqlite", "pg"]
    parser.add_argument("--targets", nargs="+", default=targets[:2], choices=targets)
    parser.add_argument("--processes", type=int, default=1, help="webhook workers (pg)")
    parser.add_argument("--pool", default="", help="DB_POOL_SIZE for the bot")
    parser.add_argument("--readers", type=int, default=None, help="DB_READERS for the bot")
    parser.add_argument("--rush", type=int, default=0, help="workers for a contest start")
    parser.add_argument("--rounds", type=int, default=0, help="closed rounds (0: open load)")
    parser.add_argument("--round-size", type=int, default=60)
    parser.add_argument("--join-wait", type=float, default=900.0, help="seconds per join step")
    parser.add_argument(
        "--limits",
        choices=["lifted", "real"],
        default="lifted",
        help="Telegram's flood limits at the fake Bot API and in the bot",
    )
    redis_help = "Redis for the PostgreSQL runs ('' for none); flushed first"
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14", help=redis_help)
    args = parser.parse_args()
    if args.rush:
        args.workers = args.rush
    results = []
    folder = Path(tempfile.mkdtemp(prefix="qq-load-"))  # logs stay for a look afterwards
    print(f"logs in {folder}", file=sys.stderr)  # noqa: T201
    for target in args.targets:
        bare = target == "bare"
        database = {"bare": "", "sqlite": "sqlite", "pg": "postgresql"}[target]
        processes = args.processes if target == "pg" else 1
        name = f"QualityQuiz, {processes} process{'es' if processes > 1 else ''}, {database}"
        name = "bare aiogram" if bare else name
        run = run_target(name, args, folder, bare=bare, database=database, processes=processes)
        results.append(await run)
        for r in results[-1:]:
            posts = sorted(r.post_seconds[len(r.post_seconds) // 3 :]) or [0.0]
            print(  # noqa: T201
                f"webhook 200 after p50 {posts[len(posts) // 2] * 1000:.0f} ms, "
                f"p95 {posts[int(len(posts) * 0.95)] * 1000:.0f} ms",
                file=sys.stderr,
            )
            errs = sorted(set(r.errors))[:5]
            line = f"{r.name}: {r.rate:.1f} answers/s, errors {len(r.errors)} {errs}"
            print(line, file=sys.stderr)  # noqa: T201
    print(report(results, args))  # noqa: T201


if __name__ == "__main__":
    asyncio.run(main())
