"""Standings benchmark: top 20 and one worker's rank at 100,000 participants.

Run: ``python bench/standings.py [--participants 100000] [--samples 200]``. Bulk-inserts
workers, ~200 teams (20 部门 × 10 班组) and Standing rows directly, then times the read paths
and ``record_attempt_progress`` on SQLite (a file) and PostgreSQL (127.0.0.1:5432, a uniquely
named throw-away database). Numbers go in bench/README.md ("Standings").
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contest.models import (
    Attempt,
    AttemptKind,
    AttemptStatus,
    Competition,
    CompetitionStatus,
    Standing,
    Team,
    Worker,
)
from contest.ranking import individual_rank, top_individuals
from contest.rules import CompetitionRules
from contest.standings import record_attempt_progress, refresh_team_standings
from storage.db import create_engine, create_session_factory
from tables import metadata

log = logging.getLogger("bench.standings")
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
T0 = datetime(2026, 9, 1, tzinfo=UTC)


def populate(sync_url: str, participants: int, seed: int = 7) -> None:
    """Schema plus bulk rows through a synchronous engine (fast, not what we measure)."""
    rng = random.Random(seed)
    engine = create_sync_engine(sync_url)
    metadata.create_all(engine)
    rules = CompetitionRules.model_validate(
        {"composition": [{"type": "single", "count": 20}], "team": {"mode": "avg_participants"}}
    )
    with engine.begin() as conn:
        conn.execute(
            insert(Competition),
            [
                {
                    "id": 1,
                    "name": "bench",
                    "status": CompetitionStatus.OPEN,
                    "timezone": "Asia/Shanghai",
                    "starts_at": T0,
                    "ends_at": T0 + timedelta(days=30),
                    "description": "",
                    "rules": rules.model_dump(mode="json"),
                    "created_at": T0,
                    "updated_at": T0,
                }
            ],
        )
        teams = []
        for d in range(20):
            teams.append(
                {
                    "id": d + 1,
                    "name": f"部门{d}",
                    "kind": "部门",
                    "parent_id": None,
                    "join_code": f"d{d}",
                    "created_at": T0,
                }
            )
        for g in range(200):
            parent = g % 20 + 1
            teams.append(
                {
                    "id": 100 + g,
                    "name": f"班组{g}",
                    "kind": "班组",
                    "parent_id": parent,
                    "join_code": f"g{g}",
                    "created_at": T0,
                }
            )
        conn.execute(insert(Team), teams)
        workers, standings, attempts = [], [], []
        for i in range(1, participants + 1):
            team_id = 100 + rng.randrange(200)
            workers.append(
                {
                    "id": i,
                    "real_name": f"职工{i}",
                    "team_id": team_id,
                    "language": "zh",
                    "created_at": T0,
                    "active": True,
                    "muted": False,
                    "practice_push": False,
                    "practice_streak": 0,
                }
            )
            # 20 questions × 1–2 points: a skewed bell, many ties on score, broken by time.
            score = min(40.0, max(0.0, round(rng.gauss(26, 7))))
            time_ms = rng.randrange(60_000, 600_000, 100)
            finished = T0 + timedelta(seconds=rng.randrange(30 * 86400))
            attempts.append(
                {
                    "id": i,
                    "worker_id": i,
                    "competition_id": 1,
                    "kind": AttemptKind.COMPETITION,
                    "status": AttemptStatus.FINISHED,
                    "number": 1,
                    "seed": 0,
                    "question_count": 20,
                    "current_position": 20,
                    "started_at": finished,
                    "score": score,
                    "finished_at": finished,
                    "correct_count": int(score // 2),
                    "time_used_ms": time_ms,
                }
            )
            standings.append(
                {
                    "competition_id": 1,
                    "worker_id": i,
                    "team_id": team_id,
                    "attempt_id": i,
                    "score": score,
                    "correct_count": int(score // 2),
                    "time_used_ms": time_ms,
                    "finished_at": finished,
                    "updated_at": T0,
                }
            )
        for chunk in range(0, participants, 10_000):
            conn.execute(insert(Worker), workers[chunk : chunk + 10_000])
            conn.execute(insert(Attempt), attempts[chunk : chunk + 10_000])
            conn.execute(insert(Standing), standings[chunk : chunk + 10_000])
    # Steady state: autovacuum would have run; VACUUM sets PostgreSQL's visibility map so
    # COUNTs are index-only scans. SQLite only needs ANALYZE for its planner.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))
    engine.dispose()


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(ordered):.2f} ms, p95 {p95:.2f} ms"


async def measure(async_url: str, participants: int, samples: int) -> dict[str, str]:
    engine = create_engine(async_url)
    factory = create_session_factory(engine)
    rng = random.Random(11)
    results: dict[str, str] = {}
    async with factory() as session:
        await refresh_team_standings(session, competition_id=1, clock=lambda: T0)
        await session.commit()
        top, rank, both = [], [], []
        for _ in range(samples):
            worker_id = rng.randrange(1, participants + 1)
            t0 = time.perf_counter()
            rows = await top_individuals(session, competition_id=1, limit=20)
            t1 = time.perf_counter()
            info = await individual_rank(session, competition_id=1, worker_id=worker_id)
            t2 = time.perf_counter()
            assert len(rows) == 20 and info is not None
            top.append((t1 - t0) * 1000)
            rank.append((t2 - t1) * 1000)
            both.append((t2 - t0) * 1000)
        results["top 20"] = summary(top)
        results["one worker's rank"] = summary(rank)
        results["top 20 + rank"] = summary(both)
        record = []
        for _ in range(min(samples, 100)):
            attempt = await session.get(Attempt, rng.randrange(1, participants + 1))
            assert attempt is not None
            attempt.score = min(40.0, attempt.score + 1)
            t0 = time.perf_counter()
            await record_attempt_progress(session, attempt=attempt, clock=lambda: T0)
            await session.commit()
            record.append((time.perf_counter() - t0) * 1000)
        results["record_attempt_progress + commit"] = summary(record)
    await engine.dispose()
    return results


def run_sqlite(participants: int, samples: int) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        populate(f"sqlite:///{path}", participants)
        return asyncio.run(measure(f"sqlite+aiosqlite:///{path}", participants, samples))


def run_postgres(participants: int, samples: int) -> dict[str, str]:
    name = f"qq_bench_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    try:
        populate(
            f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1), participants
        )
        url = f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)
        return asyncio.run(measure(url, participants, samples))
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run = run_sqlite if backend == "sqlite" else run_postgres
        started = time.perf_counter()
        results = run(args.participants, args.samples)
        log.info(
            "%s, %d participants (%.0f s incl. setup):",
            backend,
            args.participants,
            time.perf_counter() - started,
        )
        for name, value in results.items():
            log.info("  %-34s %s", name, value)


if __name__ == "__main__":
    main()
