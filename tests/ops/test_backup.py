"""Backups taken while workers answer are consistent: the copy passes SQLite's integrity
check, holds every answer committed before the backup began, and restores."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from contest.models import AnswerStatus, AttemptQuestion
from ops.backup import BackupError, backup, daily_backup, integrity, prune, restore
from quizbank.models import Question
from tests.bot.fixtures import add_bank, add_competition, add_teams, add_worker
from tests.conftest import MovableClock
from tests.fakes.chat import ChatDriver
from tests.fakes.telegram import FakeTelegram
from tests.ops.conftest import sqlite_path

WORKERS = 12
QUESTIONS = 4
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def answered_ids(session_factory: async_sessionmaker[AsyncSession]) -> set[int]:
    async with session_factory() as session:
        query = select(col(AttemptQuestion.id)).where(
            col(AttemptQuestion.status) == AnswerStatus.ANSWERED
        )
        return set((await session.execute(query)).scalars())


def answered_in_file(path: Path) -> set[int]:
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute(
            "SELECT id FROM attempt_question WHERE status = ?", (AnswerStatus.ANSWERED.value,)
        )
        return {row[0] for row in rows}


async def take_quiz(chat: ChatDriver) -> None:
    await chat.send("/quiz")
    await chat.press("2026 质量月知识竞赛")
    for _ in range(QUESTIONS):
        await chat.press("A")


@sqlite_only
async def test_backup_while_answers_are_written_is_consistent_and_restores(
    session, session_factory, clock: MovableClock, dp: Dispatcher, bot: Bot, api: FakeTelegram,
    database_url: str, tmp_path: Path,
) -> None:  # fmt: skip
    await add_bank(session)
    team, _ = await add_teams(session)
    await add_competition(session, clock, composition=[{"type": "single", "count": QUESTIONS}])
    chats = []
    for i in range(WORKERS):
        await add_worker(session, clock, telegram_id=2000 + i, name=f"工人{i}", team_id=team.id)
        chats.append(ChatDriver(dp, bot, api, user_id=2000 + i))
    writers = [asyncio.create_task(take_quiz(chat)) for chat in chats]
    for _ in range(1000):  # wait until the answers are well under way
        if len(await answered_ids(session_factory)) >= WORKERS:
            break
        await asyncio.sleep(0.01)
    committed = await answered_ids(session_factory)  # every one committed before the backup
    target = tmp_path / "copy.db"
    await asyncio.to_thread(backup, database_url, target)
    await asyncio.gather(*writers)
    everything = await answered_ids(session_factory)
    assert len(everything) == WORKERS * QUESTIONS
    assert len(committed) < len(everything), "the backup did not overlap the writes"

    assert integrity(target) == "ok"
    copied = answered_in_file(target)
    assert committed <= copied <= everything

    restored = tmp_path / "restored.db"
    restore(f"sqlite+aiosqlite:///{restored}", target)
    assert integrity(restored) == "ok"
    assert answered_in_file(restored) == copied


@sqlite_only
async def test_restore_keeps_the_current_database_and_refuses_a_damaged_backup(
    session, database_url: str, tmp_path: Path
) -> None:
    await add_bank(session)
    live = sqlite_path(database_url)
    good = tmp_path / "good.db"
    backup(database_url, good)
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError, match="integrity"):
        restore(database_url, broken)
    saved = restore(database_url, good)
    assert saved is not None and saved.parent == live.parent and integrity(saved) == "ok"


def test_daily_backups_keep_the_newest_n(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    source = tmp_path / "live.db"
    with closing(sqlite3.connect(source)) as connection:
        connection.execute("CREATE TABLE t (x)")
        connection.commit()
    url = f"sqlite+aiosqlite:///{source}"
    folder = tmp_path / "backups"
    start = datetime(2026, 9, 1, 19, 0, tzinfo=UTC)
    for day in range(4):
        daily_backup(url, folder, when=start + timedelta(days=day), keep=2)
    (folder / "notes.txt").write_text("not ours")
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["notes.txt", "qualityquiz-20260903T1900Z.db", "qualityquiz-20260904T1900Z.db"]
    assert prune(folder, keep=5) == []


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="no PostgreSQL client programs")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_postgresql_backup_and_restore_with_pg_dump(
    session, session_factory, database_url: str, tmp_path: Path
) -> None:
    ids = await add_bank(session)
    await session.close()
    dump = tmp_path / "pg.dump"
    await asyncio.to_thread(backup, database_url, dump)
    assert dump.stat().st_size > 0
    async with session_factory() as other:
        await other.execute(delete(Question))
        await other.commit()
    await asyncio.to_thread(restore, database_url, dump)
    async with session_factory() as other:
        restored = set((await other.execute(select(col(Question.id)))).scalars())
    assert restored == set(ids)
