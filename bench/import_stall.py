"""Benchmark: how long a big bank import holds the event loop (what /healthz waits behind).

    python bench/import_stall.py [--questions 30000]

A ticker sleeps 5 ms at a time on the loop and records the longest gap between its wake-ups
— the longest any request served by that loop (/healthz, a worker's answer) would wait.
Measured in one run: the ticker alone (baseline), then while the bank is validated
(``validate_file``: a thread) and imported (``import_questions``, with the comparison
against another set's 30,000 stems in a thread) with writes in batches of ``WRITE_BATCH``,
then the same import with one batch for all rows, as before. Ratios are against the
baseline gap of the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import create_engine as create_sync_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import quizbank.service as service
from bench.bank_import import generate
from quizbank.service import import_questions, validate_file
from storage.db import create_engine, create_session_factory
from tables import metadata

log = logging.getLogger("bench.import_stall")
TICK = 0.005


async def _longest_gap(work: Callable[[], Awaitable[object]]) -> float:
    """The longest time the loop kept the ticker waiting past its tick while ``work`` ran."""
    done = asyncio.Event()
    longest = 0.0

    async def ticker() -> None:
        nonlocal longest
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            longest = max(longest, time.perf_counter() - before - TICK)

    task = asyncio.create_task(ticker())
    try:
        await work()
    finally:
        done.set()
        await task
    return longest


async def _run(path: Path, workdir: Path) -> None:
    db = workdir / "stall.db"
    engine = create_sync_engine(f"sqlite:///{db}")
    metadata.create_all(engine)
    engine.dispose()
    async_engine = create_engine(f"sqlite+aiosqlite:///{db}")
    factory = create_session_factory(async_engine)
    baseline = await _longest_gap(lambda: asyncio.sleep(2))
    report = await validate_file(path)
    validating = await _longest_gap(lambda: validate_file(path))

    async def into(name: str) -> None:
        async with factory.begin() as session:
            await import_questions(session, report=report, set_name=name)

    batched = await _longest_gap(lambda: into("batched"))  # compared with nothing yet
    compared = await _longest_gap(lambda: into("compared"))  # 30,000 stems of "batched"
    service.WRITE_BATCH = 10**9
    whole = await _longest_gap(lambda: into("one batch"))
    await async_engine.dispose()
    log.info("longest loop stall: baseline %.1f ms", baseline * 1000)
    for label, gap in (
        ("validating (thread)", validating),
        ("importing, batches of 500", batched),
        ("importing + comparing with another set", compared),
        ("importing in one batch (before)", whole),
    ):
        log.info("  %-40s %7.1f ms  (%.0f× baseline)", label, gap * 1000, gap / max(baseline, 1e-4))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=30_000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bank.xlsx"
        generate(path, args.questions)
        asyncio.run(_run(path, Path(tmp)))


if __name__ == "__main__":
    main()
