"""Databases for crowd runs of real bot processes (tests/e2e and bench/load.py).

A migrated database with a bank of single-choice questions, 20 teams, one open competition
and many registered workers, inserted in bulk (registering thousands through the dialog
would measure the dialog, not the crowd).
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, insert

from contest.models import Competition, CompetitionStatus, Team, Worker
from contest.rules import CompetitionRules
from quizbank.models import Question, QuestionSet, QuestionType
from storage.db import sync_url
from storage.migrate import upgrade
from tests.fakes.phones import FIRST_USER

PG_ADMIN = os.environ.get("QQ_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
COMPETITION = "千人质量知识竞赛"


def fresh_database(kind: str, folder: Path) -> str:
    """A new, migrated, empty database: a SQLite file or a PostgreSQL database."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / f'crowd-{uuid.uuid4().hex[:8]}.db'}"
    else:
        name = f"qq_crowd_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        url = f"{base}/{name}"
    upgrade(url)
    return url


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_contest(url: str, *, workers: int, questions: int, limit_s: int = 600) -> int:
    """The bank, teams, the open competition and ``workers`` registered workers; its id."""
    engine = create_engine(sync_url(url))
    now = datetime.now(UTC)
    stamp = {"created_at": now}
    with engine.begin() as conn:
        set_id = conn.execute(
            insert(QuestionSet).values(name="crowd", uploaded_at=now, checksum="")
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
                name=COMPETITION, status=CompetitionStatus.OPEN, description="",
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
            "positions_min": one("SELECT coalesce(min(current_position), 0) FROM attempt"),
            "positions_max": one("SELECT coalesce(max(current_position), 0) FROM attempt"),
            "inbox_pending": one("SELECT count(*) FROM inbox WHERE status = 'pending'"),
            "inbox_failed": one("SELECT count(*) FROM inbox WHERE status = 'failed'"),
            "inbox_owners": one("SELECT count(DISTINCT owner) FROM inbox"),
        }
    engine.dispose()
    return counts
