"""Practice boards (每日一练排行): by local day, ISO week or all time, from ``PracticeDay``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.models import PracticeDay, Team, Worker


class PracticePeriod(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO week: Monday..today
    OVERALL = "overall"


@dataclass(frozen=True)
class PracticeRow:
    rank: int
    worker_id: int
    name: str
    team_name: str | None
    score: float
    answered: int
    correct: int


@dataclass(frozen=True)
class PracticeRankInfo:
    rank: int
    score: float
    answered: int
    correct: int
    total: int


def _period_filter(period: PracticePeriod, today: date) -> list[ColumnElement[bool]]:
    period = PracticePeriod(period)
    if period is PracticePeriod.DAY:
        return [col(PracticeDay.day) == today]
    if period is PracticePeriod.WEEK:
        monday = today - timedelta(days=today.weekday())
        return [col(PracticeDay.day) >= monday, col(PracticeDay.day) <= today]
    return []


def _practice_totals(period: PracticePeriod, today: date) -> Any:
    return (
        select(
            col(PracticeDay.worker_id),
            func.sum(col(PracticeDay.score)).label("score"),
            func.sum(col(PracticeDay.answered)).label("answered"),
            func.sum(col(PracticeDay.correct)).label("correct"),
        )
        .where(*_period_filter(period, today))
        .group_by(col(PracticeDay.worker_id))
        .subquery()
    )


async def practice_board(
    session: AsyncSession, *, period: PracticePeriod, today: date, limit: int = 10
) -> list[PracticeRow]:
    """每日一练 board for a local day, its ISO week, or all time: score, then correct answers."""
    totals = _practice_totals(period, today)
    rows = (
        await session.execute(
            select(totals, col(Worker.real_name), col(Team.name).label("team_name"))
            .join(Worker, col(Worker.id) == totals.c.worker_id)
            .outerjoin(Team, col(Team.id) == col(Worker.team_id))
            .order_by(totals.c.score.desc(), totals.c.correct.desc(), totals.c.worker_id)
            .limit(limit)
        )
    ).all()
    out: list[PracticeRow] = []
    for i, r in enumerate(rows):
        same = out and (out[-1].score, out[-1].correct) == (r.score, r.correct)
        out.append(
            PracticeRow(
                rank=out[-1].rank if same else i + 1,
                worker_id=r.worker_id,
                name=r.real_name,
                team_name=r.team_name,
                score=float(r.score or 0),
                answered=int(r.answered or 0),
                correct=int(r.correct or 0),
            )
        )
    return out


async def practice_rank(
    session: AsyncSession, *, worker_id: int, period: PracticePeriod, today: date
) -> PracticeRankInfo | None:
    """The worker's place on a practice board; None if they did not practise in the period."""
    totals = _practice_totals(period, today)
    mine = (await session.execute(select(totals).where(totals.c.worker_id == worker_id))).first()
    if mine is None:
        return None
    better = or_(
        totals.c.score > mine.score,
        and_(totals.c.score == mine.score, totals.c.correct > mine.correct),
    )
    n_better = await session.scalar(select(func.count()).select_from(totals).where(better))
    total = await session.scalar(select(func.count()).select_from(totals))
    return PracticeRankInfo(
        rank=(n_better or 0) + 1,
        score=float(mine.score or 0),
        answered=int(mine.answered or 0),
        correct=int(mine.correct or 0),
        total=total or 0,
    )
