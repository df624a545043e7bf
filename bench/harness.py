"""Pieces of the load harness: databases to play on, processes to measure, simulated phones.

Used by ``bench/load.py``. The bot under test runs as its own process(es), configured only
through its documented environment, talking HTTP to :class:`BotApiServer` (the Bot API)
while Telegram's side — webhook POSTs with the secret token — is played from here.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contest.models import Competition, CompetitionStatus, Team, Worker
from contest.rules import CompetitionRules
from quizbank.models import Question, QuestionSet, QuestionType
from storage.db import sync_url
from storage.migrate import upgrade
from tests.fakes.bot_api_server import BotApiServer, Call

REPO = Path(__file__).resolve().parents[1]
TOKEN = "424242:BENCH-token-for-the-load-harness"
SECRET = "bench-secret"
PG_ADMIN = os.environ.get("QQ_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
FIRST_USER = 1_000_000
TICK = os.sysconf("SC_CLK_TCK")


# --- databases -----------------------------------------------------------------------------


def fresh_database(kind: str, folder: Path) -> str:
    """A new, migrated, empty database: a SQLite file or a PostgreSQL database."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}"
    else:
        name = f"qq_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = (
            PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
            + "/"
            + name
        )
    upgrade(url)
    return url


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_contest(url: str, *, workers: int, questions: int, limit_s: int = 600) -> int:
    """A bank of single-choice questions, 20 teams, one open competition of ``questions``
    questions and ``workers`` registered workers; the competition's id."""
    engine = create_engine(sync_url(url))
    now = datetime.now(UTC)
    stamp = {"created_at": now}
    with engine.begin() as conn:
        set_id = conn.execute(
            insert(QuestionSet).values(name="bench", uploaded_at=now, checksum="")
        ).inserted_primary_key[0]
        conn.execute(insert(Question), [
            {"set_id": set_id, "key": f"k{i}", "content_hash": f"h{i}", "position": i,
             "type": QuestionType.SINGLE, "stem": f"第 {i + 1} 题：PDCA 循环中的 C 代表什么？",
             "options": ["计划", "执行", "检查", "处理"], "answer": [2], "points": 2.0,
             "explanation": "C = Check（检查）。", "tags": [], "category": "", "source": "",
             "difficulty": 2, "active": True, "created_at": now, "updated_at": now}
            for i in range(questions)
        ])  # fmt: skip
        team_ids = [
            conn.execute(
                insert(Team).values(name=f"{i + 1} 班", kind="班组", join_code=f"T{i:04d}", **stamp)
            ).inserted_primary_key[0]
            for i in range(20)
        ]
        rules = CompetitionRules.model_validate(
            {"composition": [{"type": "single", "count": questions}],
             "question_time_limit_s": limit_s, "team": {"mode": "avg_participants"}}
        ).model_dump(mode="json")  # fmt: skip
        competition_id = conn.execute(
            insert(Competition).values(
                name="千人质量知识竞赛", status=CompetitionStatus.OPEN, description="",
                starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1),
                rules=rules, timezone="Asia/Shanghai", updated_at=now, **stamp,
            )
        ).inserted_primary_key[0]  # fmt: skip
        conn.execute(insert(Worker), [
            {"telegram_id": FIRST_USER + i, "real_name": f"工人{i:05d}", "language": "zh",
             "team_id": team_ids[i % 20], "registered_at": now, "active": True, "muted": False,
             "practice_push": False, "practice_streak": 0, **stamp}
            for i in range(workers)
        ])  # fmt: skip
    engine.dispose()
    return int(competition_id)


def database_counts(url: str) -> dict[str, int]:
    """What the database holds after a run: answers, timeouts, attempts, inbox states."""
    engine = create_engine(sync_url(url))
    with engine.connect() as conn:

        def one(sql: str) -> int:
            return int(conn.exec_driver_sql(sql).scalar() or 0)

        counts = {
            "answered": one("SELECT count(*) FROM attempt_question WHERE status = 'answered'"),
            "timeouts": one("SELECT count(*) FROM attempt_question WHERE status = 'timeout'"),
            "attempts": one("SELECT count(*) FROM attempt"),
            "attempts_per_worker_max": one(
                "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM attempt"
                " GROUP BY worker_id) AS a"
            ),
            "inbox_pending": one("SELECT count(*) FROM inbox WHERE status = 'pending'"),
            "inbox_failed": one("SELECT count(*) FROM inbox WHERE status = 'failed'"),
        }
    engine.dispose()
    return counts


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
        BOT_TOKEN=TOKEN, DATABASE_URL=url, TELEGRAM_API_SERVER=api, WEBHOOK_SECRET=SECRET,
        WEBHOOK_HOST="127.0.0.1", WEBHOOK_PORT=str(port), WEB_PORT="0", REDIS_URL="",
        LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1", ADMIN_IDS="",
        BENCH_WEBHOOK_URL=f"http://127.0.0.1:{port}/webhook", **extra,
    )  # fmt: skip
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


# --- phones ----------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (done at, seconds)
    errors: list[str] = field(default_factory=list)
    taps: int = 0
    late_replies: int = 0
    post_seconds: list[float] = field(default_factory=list)  # until the webhook's 200

    def window(self, start: float, end: float) -> list[float]:
        return [lat for at, lat in self.latencies if start <= at < end]


class Phone:
    """One worker's chat, seen from Telegram: sends updates, waits for the bot's reply."""

    _ids = iter(range(1, 10**12))

    def __init__(self, api: BotApiServer, user_id: int) -> None:
        self.api, self.user_id = api, user_id
        self.user = {"id": user_id, "is_bot": False, "first_name": "工人", "language_code": "zh"}
        self._waiter: asyncio.Future[Call] | None = None
        api.listen(user_id, self._on_call)

    def _on_call(self, call: Call, message: dict[str, Any] | None) -> None:
        waiter = self._waiter
        if call.method in ("editmessagetext", "sendmessage") and waiter and not waiter.done():
            waiter.set_result(call)

    async def send(self, update: dict[str, Any], stats: Stats, wait: float = 120.0) -> float:
        """Deliver ``update`` and wait for the reply in this chat; the seconds it took."""
        self._waiter = asyncio.get_running_loop().create_future()
        started = time.monotonic()
        status = await self.api.deliver(update)
        stats.post_seconds.append(time.monotonic() - started)
        if status != 200:
            stats.errors.append(f"webhook {status}")
        try:
            await asyncio.wait_for(self._waiter, wait)
        except TimeoutError:
            stats.errors.append("no reply")
            return wait
        return time.monotonic() - started

    def says(self, text: str) -> dict[str, Any]:
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        message = {"message_id": next(self._ids), "date": int(time.time()),
                   "chat": {"id": self.user_id, "type": "private"}, "from": self.user,
                   "text": text, "entities": entities if text.startswith("/") else []}  # fmt: skip
        return {"update_id": next(self._ids), "message": message}

    def taps_first_button(self) -> dict[str, Any]:
        message = next(
            m for m in reversed(self.api.messages(self.user_id))
            if (m.get("reply_markup") or {}).get("inline_keyboard")
        )  # fmt: skip
        data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        query = {"id": str(next(self._ids)), "from": self.user, "chat_instance": "ci",
                 "data": data, "message": message}  # fmt: skip
        return {"update_id": next(self._ids), "callback_query": query}


def think(low: float, high: float) -> Callable[[], float]:
    return lambda: random.uniform(low, high)
