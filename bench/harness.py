"""Pieces of the load harness: the bot's processes and what they cost, and timed phones.

Used by ``bench/load.py``; the databases come from ``tests/e2e/crowd_data.py`` and the
phones from ``tests/fakes/phones.py``. The bot under test runs as its own process(es),
configured only through its documented environment, talking HTTP to ``BotApiServer`` (the
Bot API) while Telegram's side — webhook POSTs with the secret token — is played from here.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.crowd_data import (
    database_counts,
    drop_database,
    fresh_database,
    seed_contest,
)
from tests.fakes.phones import FIRST_USER, Phone

REPO = Path(__file__).resolve().parents[1]
TOKEN = "424242:BENCH-token-for-the-load-harness"
SECRET = "bench-secret"
TICK = os.sysconf("SC_CLK_TCK")


# --- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    log: Path

    def cpu_seconds(self) -> float:
        """User + system CPU of the process and all its descendants so far."""
        return sum(_cpu_of(pid) for pid in [self.popen.pid, *_descendants(self.popen.pid)])

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()


def start_process(args: list[str], env: dict[str, str], log: Path) -> Process:
    handle = log.open("wb")
    popen = subprocess.Popen(args, env=env, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT)
    return Process(popen, log)


def bot_env(url: str, api: str, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_"))}
    env.update(
        BOT_TOKEN=TOKEN,
        DATABASE_URL=url,
        TELEGRAM_API_SERVER=api,
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEB_PORT="0",
        REDIS_URL="",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        ADMIN_IDS="",
        # No scheduler: the seeded contest closes within a day, and its reminder to every
        # worker would share the bot-wide budget with the start being measured.
        RUN_SCHEDULER="false",
        BENCH_WEBHOOK_URL=f"http://127.0.0.1:{port}/webhook",
    )
    env.update(extra)
    return env


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parts = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        children.setdefault(int(parts[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def postgres_cpu_seconds() -> float:
    """CPU of every PostgreSQL server process on the machine (other users' load included)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if "(postgres)" in text:
            total += _cpu_of(int(stat.parent.name))
    return total


# --- measuring ---------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (done at, seconds)
    errors: list[str] = field(default_factory=list)
    taps: int = 0
    redelivered: int = 0  # webhook posts answered other than 200, delivered again
    post_seconds: list[float] = field(default_factory=list)  # until the webhook's 200

    def window(self, start: float, end: float) -> list[float]:
        return [lat for at, lat in self.latencies if start <= at < end]


async def timed(phone: Phone, update: dict[str, Any], stats: Stats, wait: float = 120.0) -> float:
    """Deliver ``update`` from ``phone``; the seconds until the reply (errors are counted).

    As Telegram does, an update that got no 200 (the bot could not store it in time) is
    delivered again until one comes; each refusal is counted as ``redelivered``."""
    reply = phone.expect_reply()
    started = time.monotonic()
    while (status := await phone.api.deliver(update)) != 200:
        stats.redelivered += 1
        if time.monotonic() - started > wait:
            stats.errors.append(f"webhook {status}")
            break
        await asyncio.sleep(1.0)
    stats.post_seconds.append(time.monotonic() - started)
    try:
        await asyncio.wait_for(reply, wait)
    except TimeoutError:
        stats.errors.append("no reply")
        return wait
    return time.monotonic() - started


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
    redelivered: int = 0  # webhook posts that got no 200 and were delivered again

    @property
    def rate(self) -> float:
        return self.answers / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(int(q * len(ordered)), len(ordered) - 1)] * 1000


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
            lines.append(
                f"\n{r.name}: every worker had their first question after "
                f"{r.start_all_s:.1f} s; inbox pending {r.counts.get('inbox_pending')}, "
                f"failed {r.counts.get('inbox_failed')}; flood-limit breaches {r.floods}; "
                f"webhook posts delivered again {r.redelivered}"
            )
            bound = r.join_messages / 30
            if bound:
                lines.append(
                    f"the join needed {r.join_messages} new messages; at Telegram's 30/s that"
                    f" bounds the start at {bound:.1f} s: the start took"
                    f" {r.start_all_s / bound:.0%} of it"
                )
    return "\n".join(lines)


def think(low: float, high: float) -> Callable[[], float]:
    return lambda: random.uniform(low, high)


__all__ = [
    "FIRST_USER",
    "Phone",
    "Process",
    "Result",
    "Stats",
    "bot_env",
    "database_counts",
    "drop_database",
    "free_port",
    "fresh_database",
    "postgres_cpu_seconds",
    "report",
    "seed_contest",
    "start_process",
    "think",
    "timed",
]
