"""Pieces of the load harness: the bot's processes and what they cost, and timed phones.

Used by ``bench/load.py``; the databases come from ``tests/e2e/crowd_data.py`` and the
phones from ``tests/fakes/phones.py``. The bot under test runs as its own process(es),
configured only through its documented environment, talking HTTP to ``BotApiServer`` (the
Bot API) while Telegram's side — webhook POSTs with the secret token — is played from here.
"""

from __future__ import annotations

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


def think(low: float, high: float) -> Callable[[], float]:
    return lambda: random.uniform(low, high)


__all__ = [
    "FIRST_USER",
    "Phone",
    "Process",
    "Stats",
    "bot_env",
    "database_counts",
    "drop_database",
    "free_port",
    "fresh_database",
    "postgres_cpu_seconds",
    "seed_contest",
    "start_process",
    "think",
    "timed",
]
