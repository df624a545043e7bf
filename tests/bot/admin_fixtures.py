"""Helpers for the organiser tests: files to upload, rows to count, people and competitions."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.models import (
    AuditEntry,
    Competition,
    CompetitionStatus,
    Organiser,
    Team,
    Worker,
)
from quizbank.models import Question, QuestionSet
from scheduler.models import OutboxMessage
from tests.fakes.chat import ChatDriver
from tests.fakes.telegram import Request

ROSTER_HEADER = ["姓名", "工号", "部门", "班组"]
COUNTED = (Question, QuestionSet, Worker, Team, Competition, Organiser, OutboxMessage)
T0 = datetime(2026, 9, 1, 1, 0, tzinfo=UTC)  # the test clock's start


def xlsx_bytes(rows: Sequence[Sequence[Any]], header: Sequence[Any] | None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    for line in ([header] if header else []) + [list(r) for r in rows]:
        sheet.append(list(line))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster_rows(n: int = 3) -> list[list[str]]:
    return [[f"职工{i}", f"E{i:03d}", "质量部", "一班" if i % 2 else "二班"] for i in range(n)]


async def count_rows(factory: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Rows per table that an upload, a creation or a broadcast could change."""
    async with factory() as session:
        return {
            model.__tablename__: await session.scalar(select(func.count()).select_from(model))
            for model in COUNTED
        }


async def audit_entries(factory: async_sessionmaker[AsyncSession]) -> list[AuditEntry]:
    async with factory() as session:
        return list((await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())


async def upload(
    chat: ChatDriver, name: str, data: bytes, *, size: int | None = None
) -> list[Request]:
    file_id = f"f{abs(hash((name, data))) % 10**9}"
    chat.api.add_file(file_id, data, size=size)
    return await chat.send_document(file_id, name, size=len(data) if size is None else size)


async def add_worker(
    factory: async_sessionmaker[AsyncSession], *, telegram_id: int, username: str | None = None,
    name: str = "李四", team: str | None = None,
) -> Worker:  # fmt: skip
    async with factory() as session:
        team_id = None
        if team is not None:
            row = Team(name=team, kind="班组", join_code=f"J{telegram_id}")
            session.add(row)
            await session.flush()
            team_id = row.id
        worker = Worker(telegram_id=telegram_id, username=username, real_name=name,
                        team_id=team_id, registered_at=T0)  # fmt: skip
        session.add(worker)
        await session.commit()
        return worker


async def add_competition(
    factory: async_sessionmaker[AsyncSession], *,
    status: CompetitionStatus = CompetitionStatus.SCHEDULED, name: str = "质量月知识竞赛",
) -> Competition:  # fmt: skip
    async with factory() as session:
        competition = Competition(
            name=name, status=status, starts_at=T0 + timedelta(hours=1),
            ends_at=T0 + timedelta(days=10),
            rules={"composition": [{"type": "single", "count": 2}]},
        )  # fmt: skip
        session.add(competition)
        await session.commit()
        return competition


def texts(requests: list[Request]) -> str:
    return "\n".join(r.text for r in requests)
