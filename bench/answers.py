"""Answers per second, end to end, and memory with many workers mid-attempt.

End to end means one bot process doing all of it: a callback-query update goes into the real
aiogram Dispatcher (our middlewares and routers), the answer is graded, stored (conditional
UPDATE, attempt totals, standing and team standings) and committed, and the replies go out
(answerCallbackQuery + editMessageText with the next question) through the real sender
middleware to a fake Bot API session. The ceiling is a bare aiogram bot on the same fake
session whose only handler answers the callback. Both run in the same process, one after the
other, with the same number of updates and the same concurrency.

    python bench/answers.py                          # throughput, SQLite
    python bench/answers.py --memory-workers 10000   # plus peak memory, 10,000 mid-attempt
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import multiprocessing
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import CallbackQuery, Update
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.callbacks import AnswerCb
from bot.factory import create_bot, create_dispatcher
from bot.fsm_storage import DatabaseStorage
from bot.sender import Limits
from config import load_settings
from contest.models import (
    AnswerStatus,
    Attempt,
    AttemptKind,
    AttemptQuestion,
    Competition,
    CompetitionStatus,
    Team,
    Worker,
)
from contest.rules import CompetitionRules
from quizbank.models import Question, QuestionSet, QuestionType
from storage.db import create_engine, create_session_factory
from tables import metadata
from tests.fakes.telegram import FakeTelegram

# Telegram's real 30 messages/s would measure Telegram, not the bot: limits are lifted here.
NO_LIMITS = Limits(per_bot=1e9, per_chat=1e9, per_group_minute=1e9)
QUESTIONS = 20


class QuietTelegram(FakeTelegram):
    """The test fake, forgetting requests as it goes (a long run would hoard them)."""

    def _respond(self, name: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.requests.clear()
        return super()._respond(name, params, files)


def _setup_database(path: Path, *, workers: int) -> list[tuple[int, int]]:
    """A bank, a competition and ``workers`` workers each at question 1 of an attempt."""
    engine = create_sync_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        set_id = conn.execute(insert(QuestionSet).values(name="bench")).inserted_primary_key[0]
        conn.execute(
            insert(Question),
            [
                {
                    "set_id": set_id,
                    "key": f"k{i}",
                    "content_hash": f"h{i}",
                    "position": i,
                    "type": QuestionType.SINGLE,
                    "stem": f"第 {i} 题：PDCA 中 C 代表？",
                    "options": ["计划", "执行", "检查", "处理"],
                    "answer": [2],
                    "points": 2.0,
                    "explanation": "",
                    "tags": [],
                    "category": "",
                    "source": "",
                    "difficulty": 2,
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(QUESTIONS)
            ],
        )
        rules = CompetitionRules.model_validate(
            {"composition": [{"type": "single", "count": QUESTIONS}], "question_time_limit_s": 3600}
        ).model_dump(mode="json")
        competition_id = conn.execute(
            insert(Competition).values(
                name="bench",
                status=CompetitionStatus.OPEN,
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(days=1),
                rules=rules,
                description="",
                timezone="UTC",
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
        team_ids = [
            conn.execute(
                insert(Team).values(name=f"班组{i}", join_code=f"B{i}", kind="班组", created_at=now)
            ).inserted_primary_key[0]
            for i in range(20)
        ]
        conn.execute(
            insert(Worker),
            [
                {
                    "telegram_id": 10_000 + i,
                    "real_name": f"职工{i}",
                    "team_id": team_ids[i % 20],
                    "registered_at": now,
                    "language": "zh",
                    "active": True,
                    "muted": False,
                    "practice_push": False,
                    "practice_streak": 0,
                    "created_at": now,
                }
                for i in range(workers)
            ],
        )
        worker_ids = conn.execute(select(Worker.id, Worker.telegram_id)).all()
        conn.execute(
            insert(Attempt),
            [
                {
                    "worker_id": wid,
                    "competition_id": competition_id,
                    "kind": AttemptKind.COMPETITION,
                    "status": "active",
                    "number": 1,
                    "seed": 1,
                    "question_count": QUESTIONS,
                    "current_position": 0,
                    "started_at": now,
                    "deadline_at": now + timedelta(hours=20),
                    "score": 0.0,
                    "correct_count": 0,
                    "time_used_ms": 0,
                    "chat_id": tid,
                    "message_id": 1,
                }
                for wid, tid in worker_ids
            ],
        )
        attempts = conn.execute(select(Attempt.id, Worker.telegram_id).join(Worker)).all()
        rows = []
        for attempt_id, _ in attempts:
            for position in range(QUESTIONS):
                presented = now if position == 0 else None
                rows.append(
                    {
                        "attempt_id": attempt_id,
                        "position": position,
                        "question_id": position + 1,
                        "option_order": [0, 1, 2, 3],
                        "selection": [],
                        "presented_at": presented,
                        "deadline_at": presented + timedelta(hours=1) if presented else None,
                        "status": AnswerStatus.PENDING,
                        "credit": 0.0,
                        "score": 0.0,
                        "elapsed_ms": 0,
                    }
                )
        for start in range(0, len(rows), 20_000):
            conn.execute(insert(AttemptQuestion), rows[start : start + 20_000])
    engine.dispose()
    return [(int(a), int(t)) for a, t in attempts]


_ids = itertools.count(1)


def _update(bot: Bot, api: FakeTelegram, telegram_id: int, data: str) -> Update:
    chat = api.chats[telegram_id]
    if not chat:
        api._message({"chat_id": telegram_id}, text="…")
    message = next(iter(chat.values()))
    user = {"id": telegram_id, "is_bot": False, "first_name": "职工", "language_code": "zh"}
    payload = {
        "update_id": next(_ids),
        "callback_query": {
            "id": str(next(_ids)),
            "from": user,
            "chat_instance": "ci",
            "data": data,
            "message": message,
        },
    }
    return Update.model_validate(payload, context={"bot": bot})


async def _rounds(
    dp: Dispatcher,
    bot: Bot,
    api: FakeTelegram,
    attempts: list[tuple[int, int]],
    *,
    rounds: int,
    concurrency: int,
) -> tuple[int, float]:
    """Every worker answers question ``r`` (option C, right), round after round."""
    sem = asyncio.Semaphore(concurrency)

    async def one(attempt_id: int, telegram_id: int, position: int) -> None:
        async with sem:
            update = _update(bot, api, telegram_id, AnswerCb(a=attempt_id, p=position, o=2).pack())
            await dp.feed_update(bot, update)

    started = time.perf_counter()
    for position in range(rounds):
        await asyncio.gather(*(one(a, t, position) for a, t in attempts))
    return len(attempts) * rounds, time.perf_counter() - started


def _open(path: Path, workers: int) -> tuple[list[tuple[int, int]], Any, Any, Any]:
    """The database with ``workers`` mid-attempt, settings, engine and session factory."""
    attempts = _setup_database(path, workers=workers)
    url = f"sqlite+aiosqlite:///{path}"
    settings = load_settings(
        _env_file=None, bot_token="42:BENCH", database_url=url, run_scheduler=False
    )
    engine = create_engine(url)
    return attempts, settings, engine, create_session_factory(engine)


def _bare_dispatcher() -> Dispatcher:
    router = Router()

    @router.callback_query()
    async def answer_only(query: CallbackQuery) -> None:
        await query.answer("✅")

    dp = Dispatcher(storage=MemoryStorage())
    dp.include_router(router)
    return dp


async def _throughput(workers: int, rounds: int, concurrency: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        attempts, settings, engine, factory = _open(Path(tmp) / "bench.db", workers)
        api = QuietTelegram()
        bot = create_bot(settings, session=api, limits=NO_LIMITS)
        bare_api = QuietTelegram()
        bare_bot = create_bot(settings, session=bare_api, limits=NO_LIMITS)
        bare_dp = _bare_dispatcher()
        await _rounds(bare_dp, bare_bot, bare_api, attempts[:50], rounds=1, concurrency=1)  # warm
        n_bare, t_bare = await _rounds(
            bare_dp, bare_bot, bare_api, attempts, rounds=rounds, concurrency=concurrency
        )
        dp = create_dispatcher(settings, factory, storage=DatabaseStorage(factory))
        n_ours, t_ours = await _rounds(
            dp, bot, api, attempts, rounds=rounds, concurrency=concurrency
        )
        async with factory() as session:
            answered = await session.scalar(
                select(func.count())
                .select_from(AttemptQuestion)
                .where(AttemptQuestion.status == AnswerStatus.ANSWERED)
            )
        await engine.dispose()
    assert answered == n_ours, f"{answered} answers stored, {n_ours} sent"
    return {"ours": n_ours / t_ours, "bare": n_bare / t_bare, "answers": n_ours}


async def _memory(workers: int, concurrency: int) -> dict[str, float]:
    """Peak RSS with ``workers`` attempts open, after each of them answers one question."""
    with tempfile.TemporaryDirectory() as tmp:
        # The set-up runs in a child process, so its bulk rows do not count towards the bot's
        # peak memory measured here.
        path = Path(tmp) / "memory.db"
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            attempts = pool.submit(_setup_database, path, workers=workers).result()
        url = f"sqlite+aiosqlite:///{path}"
        settings = load_settings(
            _env_file=None, bot_token="42:BENCH", database_url=url, run_scheduler=False
        )
        engine = create_engine(url)
        factory = create_session_factory(engine)
        api = QuietTelegram()
        bot = create_bot(settings, session=api, limits=NO_LIMITS)
        dp = create_dispatcher(settings, factory, storage=DatabaseStorage(factory))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        n, elapsed = await _rounds(dp, bot, api, attempts, rounds=1, concurrency=concurrency)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        await engine.dispose()
    return {"before_mb": before, "peak_mb": after, "answers": n, "rate": n / elapsed}


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--memory-workers", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.memory_workers:  # alone, so nothing else inflates the process's peak
        memory = asyncio.run(_memory(args.memory_workers, args.concurrency))
        _say(
            f"memory: {args.memory_workers} workers mid-attempt, {memory['answers']:.0f} answers "
            f"at {memory['rate']:.0f}/s; max RSS {memory['before_mb']:.0f} MB before, "
            f"{memory['peak_mb']:.0f} MB peak"
        )
        return
    result = asyncio.run(_throughput(args.workers, args.rounds, args.concurrency))
    ratio = result["ours"] / result["bare"]
    _say(
        f"answers: {result['answers']:.0f} ({args.workers} workers × {args.rounds} questions, "
        f"concurrency {args.concurrency})"
    )
    _say(f"end to end (ours): {result['ours']:.0f} answers/s")
    _say(f"bare aiogram ceiling: {result['bare']:.0f} answers/s")
    _say(f"ratio: {ratio:.0%}")


if __name__ == "__main__":
    main()
