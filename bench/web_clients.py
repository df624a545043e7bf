"""The browsers of ``bench/web.py``: signed-in clients that start the competition and answer
question after question, the check that nothing acknowledged was lost or doubled, and the
big screen's SSE viewers."""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy import create_engine as sync_engine
from sqlalchemy import text

from contest.signing import new_session
from storage.db import sync_url

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
    client: aiohttp.ClientSession,
    base: str,
    people: list[Browser],
    result: Result,
    *,
    bare: bool,
    per_worker: int,
) -> None:
    """Every browser answers until its paper is done (bare: ``per_worker`` posts each)."""
    rng = random.Random(7)

    async def one(browser: Browser) -> None:
        for n in range(per_worker):
            q = browser.question
            if not bare and q is None:
                return
            body: dict[str, Any] = {"attempt_id": 1, "position": n, "response": 2}
            if q is not None:
                body = {"attempt_id": q["attempt_id"], "position": q["position"]}
                body["response"] = _response(q, rng)
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


async def start_paper(
    client: aiohttp.ClientSession, base: str, b: Browser, competition: int
) -> None:
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
