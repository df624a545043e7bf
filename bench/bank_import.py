"""Benchmark: validate and import a 10,000-question xlsx into a fresh SQLite database.

    python bench/bank_import.py [--questions 10000] [--keep DIR]

Prints the time of each stage and the peak memory: the process's maximum resident set
(``ru_maxrss``) after the timed run, and the peak of Python allocations measured by
``tracemalloc`` in a second, untimed run (tracing slows everything down).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import create_engine as create_sync_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizbank.formats import HEADERS
from quizbank.service import import_questions
from quizbank.validation import parse_file
from storage.db import create_engine, create_session_factory
from tables import metadata

log = logging.getLogger("bench.bank_import")
TYPES = ("单选题", "多选题", "判断题", "填空题")
CATEGORIES = (
    "质量月历史",
    "PDCA",
    "QC七大手法",
    "ISO 9001",
    "产品质量法",
    "食品安全法",
    "标准化",
    "计量",
)


def _row(i: int) -> list[object]:
    kind = TYPES[i % 4]
    stem = f"第{i}题：关于质量管理的第{i}个问题，下列说法正确的是哪一项？"
    options = [f"选项{letter}的内容，编号{i}" for letter in "ABCD"]
    answer = {"单选题": "B", "多选题": "ACD", "判断题": "对", "填空题": "1978|1978年"}[kind]
    if kind == "判断题":
        options = []
    if kind == "填空题":
        stem, options = f"第{i}题：全国质量月始于____年。", []
    options += [""] * (8 - len(options))
    return [
        kind,
        stem,
        *options,
        answer,
        "",
        f"解析{i}：依据相关标准。",
        2,
        "易中难"[i % 3],
        CATEGORIES[i % len(CATEGORIES)],
        "质量月、知识竞赛",
        "《产品质量法》",
    ]


def generate(path: Path, count: int) -> None:
    # A normal (not write-only) workbook writes <dimension> before the cells, as Excel
    # and WPS do; without it openpyxl's read-only mode pre-scans the whole sheet.
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题库"
    sheet.append(HEADERS)
    for i in range(1, count + 1):
        sheet.append(_row(i))
    workbook.save(path)


async def _import(path: Path, db: Path) -> float:
    engine = create_sync_engine(f"sqlite:///{db}")
    metadata.create_all(engine)
    engine.dispose()
    started = time.perf_counter()
    report = parse_file(path)
    validated = time.perf_counter()
    async_engine = create_engine(f"sqlite+aiosqlite:///{db}")
    async with create_session_factory(async_engine).begin() as session:
        result = await import_questions(session, report=report, set_name="bench")
    await async_engine.dispose()
    done = time.perf_counter()
    assert result.created == len(report.drafts) and not report.errors
    log.info(
        "validate %.2f s, import %.2f s, total %.2f s (%d questions)",
        validated - started,
        done - validated,
        done - started,
        result.created,
    )
    return done - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        path = workdir / "bank.xlsx"
        started = time.perf_counter()
        generate(path, args.questions)
        log.info(
            "generated %s (%.1f MB) in %.2f s",
            path.name,
            path.stat().st_size / 1e6,
            time.perf_counter() - started,
        )
        asyncio.run(_import(path, workdir / "timed.db"))
        maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        log.info("peak resident memory of the process: %.0f MB", maxrss_mb)
        tracemalloc.start()
        asyncio.run(_import(path, workdir / "traced.db"))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        log.info("peak Python allocations during validate + import: %.0f MB", peak / 1e6)


if __name__ == "__main__":
    main()
