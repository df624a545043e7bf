from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from quizbank.models import Question, QuestionSet, QuestionType
from storage.db import create_engine


async def test_datetimes_round_trip_as_aware_utc(session: AsyncSession) -> None:
    shanghai = timezone(timedelta(hours=8))
    qs = QuestionSet(name="t", uploaded_at=datetime(2026, 9, 1, 18, 0, tzinfo=shanghai))
    session.add(qs)
    await session.commit()
    session.expunge_all()
    loaded = await session.get(QuestionSet, qs.id)
    assert loaded is not None
    assert loaded.uploaded_at == datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
    assert loaded.uploaded_at.tzinfo is not None


async def test_naive_datetime_is_refused(session: AsyncSession) -> None:
    session.add(QuestionSet(name="n", uploaded_at=datetime(2026, 9, 1)))
    with pytest.raises(Exception, match="naive"):
        await session.commit()


async def test_json_columns_and_foreign_keys(session: AsyncSession) -> None:
    qs = QuestionSet(name="j")
    session.add(qs)
    await session.flush()
    q = Question(
        set_id=qs.id,
        key="k",
        content_hash="h",
        type=QuestionType.BLANK,
        stem="____",
        answer=[["1978", "1978年"]],
        tags=["史"],
    )
    session.add(q)
    await session.commit()
    session.expunge_all()
    loaded = await session.get(Question, q.id)
    assert loaded is not None and loaded.answer == [["1978", "1978年"]]
    session.add(Question(set_id=9999, key="x", content_hash="h", type="single", stem="s"))
    with pytest.raises(Exception):  # noqa: B017 - driver-specific IntegrityError
        await session.commit()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'wal.db'}")
    async with engine.connect() as conn:
        mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
        fk = (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one()
    await engine.dispose()
    assert (mode, fk) == ("wal", 1)
