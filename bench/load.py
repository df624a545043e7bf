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
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redis.asyncio import Redis

from bench.harness import (
    FIRST_USER,
    REPO,
    TOKEN,
    Phone,
    Process,
    Stats,
    bot_env,
    database_counts,
    drop_database,
    free_port,
    fresh_database,
    postgres_cpu_seconds,
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


@dataclass
class Result:
    name: str
    answers: int
    seconds: float
    latencies: list[float]
    bot_cpu: float
    db_cpu: float | None
    errors: list[str]
    floods: int
    counts: dict[str, int]
    taps: int
    post_seconds: list[float]
    start_all_s: float | None = None
    join_messages: int = 0  # new messages (not edits) the join needed, at the Bot API

    @property
    def rate(self) -> float:
        return self.answers / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(int(q * len(ordered)), len(ordered) - 1)] * 1000


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
    name: str, args: argparse.Namespace, folder: Path, *, bare: bool, database: str,
    processes: int,
) -> Result:  # fmt: skip
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
    if bare:
        command = [sys.executable, str(REPO / "bench" / "bare_bot.py")]
    else:
        command = [sys.executable, str(REPO / "main.py"), "run", "--webhook",
                   f"http://127.0.0.1:{port}/webhook"]  # fmt: skip
        if processes > 1:
            command += ["--workers", str(processes)]
    process = start_process(command, env, folder / f"{name}.log")
    phones = [Phone(api, FIRST_USER + i) for i in range(args.workers)]
    stats = Stats()
    try:
        await _wait_for_webhook(api, process, port)
        if bare:
            for phone in phones:  # a message with a button to tap, as if sent before
                api._store(
                    {
                        "chat_id": phone.user_id,
                        "text": "第 0 题",
                        "reply_markup": {
                            "inline_keyboard": [[{"text": "A", "callback_data": "a:0:0:0"}]]
                        },
                    }
                )
        started_all = await _join(
            phones, stats, competition, bare=bare, spread=args.spread, wait=args.join_wait
        )
        join_messages = sum(1 for _, _, m in api.limits.accepted if m == "sendmessage")
        measure = _measure_rounds if args.rounds else _measure
        result = await measure(name, args, process, phones, stats, url)
        result.start_all_s = started_all
        result.join_messages = join_messages
        return result
    finally:
        process.stop()
        await api.stop()
        if url:
            drop_database(url)


async def _join(
    phones: list[Phone],
    stats: Stats,
    competition: int,
    *,
    bare: bool,
    spread: float,
    wait: float,
) -> float:
    """Every phone opens the quiz and taps the competition (spread over ``spread`` s); the
    seconds until the last one has its first question."""
    if bare:
        return 0.0
    begin = time.monotonic()

    async def join(i: int, phone: Phone) -> None:
        await asyncio.sleep(spread * i / len(phones))
        # Under Telegram's 30 messages/s the last of 10,000 quiz lists comes after 333 s.
        await timed(phone, phone.says("/quiz"), stats, wait=wait)
        await timed(phone, phone.taps_first_button(), stats, wait=wait)

    await asyncio.gather(*(join(i, p) for i, p in enumerate(phones)))
    return time.monotonic() - begin


async def _measure(name: str, args: argparse.Namespace, process: Process, phones: list[Phone],
                   stats: Stats, url: str) -> Result:  # fmt: skip
    pause = think(*args.think)
    stop_at = time.monotonic() + args.warmup + args.duration

    async def answer_loop(phone: Phone) -> None:
        while time.monotonic() < stop_at:
            await asyncio.sleep(pause())
            if time.monotonic() >= stop_at:
                return
            stats.taps += 1
            seconds = await timed(phone, phone.taps_first_button(), stats)
            stats.latencies.append((time.monotonic(), seconds))

    loops = asyncio.gather(*(answer_loop(p) for p in phones))
    await asyncio.sleep(args.warmup)
    window_start, cpu0 = time.monotonic(), process.cpu_seconds()
    db0 = postgres_cpu_seconds() if url.startswith("postgresql") else None
    await asyncio.sleep(args.duration)
    window_end, cpu1 = time.monotonic(), process.cpu_seconds()
    db1 = postgres_cpu_seconds() if url.startswith("postgresql") else None
    await loops
    await asyncio.sleep(2.0)  # let the last marks reach the inbox
    latencies = stats.window(window_start, window_end)
    counts = database_counts(url) if url else {}
    return Result(
        name=name, answers=len(latencies), seconds=window_end - window_start,
        latencies=latencies, bot_cpu=cpu1 - cpu0,
        db_cpu=(db1 - db0) if db0 is not None and db1 is not None else None,
        errors=stats.errors, floods=len(phones[0].api.flood), counts=counts, taps=stats.taps,
        post_seconds=stats.post_seconds,
    )  # fmt: skip


async def _measure_rounds(
    name: str,
    args: argparse.Namespace,
    process: Process,
    phones: list[Phone],
    stats: Stats,
    url: str,
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
    )


def report(results: list[Result], args: argparse.Namespace) -> str:
    bare = next((r for r in results if r.name == "bare aiogram"), None)
    lines = [
        f"{args.workers} workers, think {args.think[0]}–{args.think[1]} s, "
        f"{args.duration:.0f} s measured after {args.warmup:.0f} s warm-up",
        "",
        "| target | answers/s | vs bare | p50 ms | p95 ms | p99 ms | CPU ms/answer (bot)"
        " | CPU ms/answer (PostgreSQL) | errors | lost | duplicates | unfair timeouts |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = f"{r.rate / bare.rate:.0%}" if bare and r is not bare and bare.rate else "—"
        per = r.bot_cpu * 1000 / r.answers if r.answers else float("nan")
        db = f"{r.db_cpu * 1000 / r.answers:.1f}" if r.db_cpu is not None and r.answers else "—"
        # Every tap the bot replied to must be stored once: taps the bot got a reply for,
        # minus answers in the database (the join's two steps are not answers).
        stored = r.counts.get("answered")
        lost = dup = "—"
        if stored is not None:
            replied = r.taps - r.errors.count("no reply")
            lost, dup = str(max(replied - stored, 0)), str(max(stored - replied, 0))
        lines.append(
            f"| {r.name} | {r.rate:.1f} | {ratio} | {r.pct(0.5):.0f} | {r.pct(0.95):.0f} "
            f"| {r.pct(0.99):.0f} | {per:.1f} | {db} | {len(r.errors)} | {lost} | {dup} "
            f"| {r.counts.get('timeouts', '—')} |"
        )
    for r in results:
        if r.start_all_s is not None and r.name != "bare aiogram":
            lines.append(f"\n{r.name}: every worker had their first question after "
                         f"{r.start_all_s:.1f} s; inbox pending {r.counts.get('inbox_pending')},"
                         f" failed {r.counts.get('inbox_failed')}; flood-limit breaches "
                         f"{r.floods}")  # fmt: skip
            bound = r.join_messages / 30
            if bound:
                lines.append(
                    f"the join needed {r.join_messages} new messages; at Telegram's 30/s that"
                    f" bounds the start at {bound:.1f} s: the start took"
                    f" {r.start_all_s / bound:.0%} of it"
                )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=400)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--duration", type=float, default=40.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 2.0))
    parser.add_argument("--spread", type=float, default=5.0, help="join over this many seconds")
    parser.add_argument("--targets", nargs="+", default=["bare", "sqlite"],
                        choices=["bare", "sqlite", "pg"])  # fmt: skip
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
    parser.add_argument(
        "--redis", default="redis://127.0.0.1:6379/14",
        help="Redis for the PostgreSQL runs ('' for none); flushed first",
    )  # fmt: skip
    args = parser.parse_args()
    if args.rush:
        args.workers = args.rush
    results = []
    folder = Path(tempfile.mkdtemp(prefix="qq-load-"))  # logs stay for a look afterwards
    print(f"logs in {folder}", file=sys.stderr)  # noqa: T201
    for target in args.targets:
        if target == "bare":
            results.append(await run_target("bare aiogram", args, folder, bare=True,
                                             database="", processes=1))  # fmt: skip
        else:
            database = "sqlite" if target == "sqlite" else "postgresql"
            processes = args.processes if target == "pg" else 1
            name = f"QualityQuiz, {processes} process{'es' if processes > 1 else ''}, {database}"
            results.append(await run_target(
                name, args, folder, bare=False, database=database, processes=processes
            ))  # fmt: skip
        for r in results[-1:]:
            posts = sorted(r.post_seconds[len(r.post_seconds) // 3 :]) or [0.0]
            print(  # noqa: T201
                f"webhook 200 after p50 {posts[len(posts) // 2] * 1000:.0f} ms, "
                f"p95 {posts[int(len(posts) * 0.95)] * 1000:.0f} ms",
                file=sys.stderr,
            )
            errs = sorted(set(r.errors))[:5]
            print(f"{r.name}: {r.rate:.1f} answers/s, errors {len(r.errors)} {errs}",  # noqa: T201
                  file=sys.stderr)  # fmt: skip
    print(report(results, args))  # noqa: T201


if __name__ == "__main__":
    asyncio.run(main())
