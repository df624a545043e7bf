"""Practice rounds (每日一练): drawing unseen questions, daily totals and the daily streak.

A practice round is an ``Attempt`` of kind practice without a competition, answered through
the same state machine as a competition (:mod:`contest.attempts`); this module holds what is
particular to practice. Days are the worker's local days in the configured time zone. (The
practice *boards* are :mod:`contest.practice_boards`.)
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import ContestError
from contest.models import (
    Attempt,
    AttemptKind,
    AttemptStatus,
    Competition,
    CompetitionStatus,
    PracticeDay,
    QuestionSeen,
    Standing,
    Worker,
)
from contest.ranking import individual_rank
from contest.rules import rules_of
from quizbank.models import Question, QuestionSet, QuestionType
from quizbank.question_draw import Candidate, draw_practice
from storage.ids import id_of
from storage.upsert import insert_for

PRACTICE_ROUND = 5
"""Questions per practice round; the worker may start another round at once."""
PRACTICE_TTL = timedelta(hours=2)
"""An abandoned practice round is closed after this long."""


def local_day(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


_CANDIDATES: dict[tuple[str, tuple[str, ...], tuple[str, ...]], tuple[Any, list[Candidate]]] = {}


async def load_candidates(
    session: AsyncSession, *, sets: Sequence[str] = (), categories: Sequence[str] = ()
) -> list[Candidate]:
    """Active questions as drawing candidates, optionally from named sets and categories.

    A crowd starting at 09:00 would read the whole bank once per worker; the candidates are
    kept per bank version instead (every import that changes a set bumps its version), so a
    start reads only the small ``question_set`` table to know they are still current.
    """
    signature = tuple(
        (
            await session.execute(
                select(col(QuestionSet.id), col(QuestionSet.version), col(QuestionSet.uploaded_at))
            )
        ).tuples()
    )
    key = (str(session.get_bind().engine.url), tuple(sorted(sets)), tuple(sorted(categories)))
    hit = _CANDIDATES.get(key)
    if hit is not None and hit[0] == signature:
        return hit[1]
    query = select(
        col(Question.id),
        col(Question.type),
        col(Question.category),
        col(Question.difficulty),
        col(Question.points),
        col(Question.twin_key),
    ).where(col(Question.active).is_(True))
    if sets:
        query = query.join(QuestionSet, col(QuestionSet.id) == col(Question.set_id)).where(
            col(QuestionSet.name).in_(sets)
        )
    if categories:
        query = query.where(col(Question.category).in_(categories))
    rows = (await session.execute(query)).all()
    candidates = [
        Candidate(
            id=r[0],
            type=QuestionType(r[1]),
            category=r[2],
            difficulty=r[3],
            points=float(r[4]),
            group=r[5] or "",
        )
        for r in rows
    ]
    if len(_CANDIDATES) > 256:
        _CANDIDATES.clear()
    _CANDIDATES[key] = (signature, candidates)
    return candidates


async def practice_draw(
    session: AsyncSession, *, worker_id: int, count: int, seed: int | None = None
) -> tuple[list[int], int]:
    """Question ids for a round (never seen first, then seen longest ago), and the seed."""
    seed = random.SystemRandom().randrange(2**31) if seed is None else seed
    candidates = await load_candidates(session)
    seen_rows = await session.execute(
        select(col(QuestionSeen.question_id), col(QuestionSeen.seen_at)).where(
            col(QuestionSeen.worker_id) == worker_id
        )
    )
    seen = {question_id: seen_at for question_id, seen_at in seen_rows.all()}
    ids = draw_practice(candidates, count, seed=seed, recently_seen=seen)
    if not ids:
        raise ContestError("no_questions")
    return ids, seed


def practice_attempt(*, worker_id: int, seed: int, now: datetime) -> Attempt:
    return Attempt(
        worker_id=worker_id,
        kind=AttemptKind.PRACTICE,
        seed=seed,
        started_at=now,
        deadline_at=now + PRACTICE_TTL,
    )


async def mark_seen(
    session: AsyncSession, *, worker_id: int, question_id: int, now: datetime
) -> None:
    stmt = insert_for(session)(QuestionSeen).values(
        worker_id=worker_id, question_id=question_id, seen_at=now
    )
    keys = ["worker_id", "question_id"]
    await session.execute(stmt.on_conflict_do_update(index_elements=keys, set_={"seen_at": now}))


async def record_answer(
    session: AsyncSession, *, worker_id: int, correct: bool, score: float, now: datetime, tz: str
) -> None:
    """Add one practice answer to today's totals and keep the daily streak (连续答题天数)."""
    today = local_day(now, tz)
    stmt = insert_for(session)(PracticeDay).values(
        worker_id=worker_id, day=today, answered=1, correct=int(correct), score=score
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["worker_id", "day"],
        set_={
            "answered": PracticeDay.answered + 1,
            "correct": PracticeDay.correct + int(correct),
            "score": PracticeDay.score + score,
        },
    )
    await session.execute(stmt)
    worker = await session.get(Worker, worker_id)
    if worker is None or worker.practice_last_day == today:
        return
    if worker.practice_last_day == today - timedelta(days=1):
        worker.practice_streak += 1
    else:
        worker.practice_streak = 1
    worker.practice_last_day = today
    await session.flush()


def current_streak(worker: Worker, *, now: datetime, tz: str) -> int:
    """The streak still alive today: practising yesterday or today keeps it."""
    if worker.practice_last_day is None:
        return 0
    if local_day(now, tz) - worker.practice_last_day > timedelta(days=1):
        return 0
    return worker.practice_streak


@dataclass(frozen=True)
class AttemptLine:
    competition: str
    number: int
    status: AttemptStatus
    score: float
    correct_count: int
    question_count: int
    time_used_ms: int
    started_at: datetime
    timezone: str
    # The counted attempt's place on the board (并列 when shared), and whether it is final.
    rank: int | None = None
    tied: bool = False
    participants: int = 0
    final: bool = False
    precision: int = 1


@dataclass(frozen=True)
class MyResults:
    """我的成绩: competition attempts, practice totals and the streak."""

    attempts: list[AttemptLine]
    practice_answered: int
    practice_correct: int
    practice_days: int
    today_answered: int
    streak: int


async def _attempt_line(
    session: AsyncSession, attempt: Attempt, competition: Competition
) -> AttemptLine:
    """An attempt in 我的成绩; the one that counts shows its place (final once closed)."""
    place = None
    standing = await session.get(Standing, (competition.id, attempt.worker_id))
    if standing is not None and standing.attempt_id == attempt.id:
        place = await individual_rank(
            session, competition_id=id_of(competition), worker_id=attempt.worker_id
        )
    return AttemptLine(
        competition=competition.name,
        number=attempt.number,
        status=AttemptStatus(attempt.status),
        score=attempt.score,
        correct_count=attempt.correct_count,
        question_count=attempt.question_count,
        time_used_ms=attempt.time_used_ms,
        started_at=attempt.started_at,
        timezone=competition.timezone,
        rank=place.rank if place else None,
        tied=place.tied if place else False,
        participants=place.total if place else 0,
        final=competition.status in (CompetitionStatus.CLOSED, CompetitionStatus.ARCHIVED),
        precision=rules_of(competition).precision,
    )


async def my_results(
    session: AsyncSession, *, worker_id: int, now: datetime, tz: str, limit: int = 10
) -> MyResults:
    rows = (
        await session.execute(
            select(Attempt, Competition)
            .join(Competition, col(Competition.id) == col(Attempt.competition_id))
            .where(
                col(Attempt.worker_id) == worker_id, col(Attempt.kind) == AttemptKind.COMPETITION
            )
            .order_by(col(Attempt.started_at).desc())
            .limit(limit)
        )
    ).all()
    lines = [await _attempt_line(session, a, c) for a, c in rows]
    totals = (
        await session.execute(
            select(
                func.coalesce(func.sum(col(PracticeDay.answered)), 0),
                func.coalesce(func.sum(col(PracticeDay.correct)), 0),
                func.count(),
            ).where(col(PracticeDay.worker_id) == worker_id)
        )
    ).one()
    today = await session.get(PracticeDay, (worker_id, local_day(now, tz)))
    worker = await session.get(Worker, worker_id)
    return MyResults(
        attempts=lines,
        practice_answered=int(totals[0]),
        practice_correct=int(totals[1]),
        practice_days=int(totals[2]),
        today_answered=today.answered if today else 0,
        streak=current_streak(worker, now=now, tz=tz) if worker else 0,
    )
