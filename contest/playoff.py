"""The play-off (加赛): a short set of questions for workers tied on score at the top.

With ``ties.playoff_places: N`` the close looks at the first N places by score alone:
every group of two or more workers with the same score there is invited (their standing's
``playoff_score`` becomes 0, so an invited worker who does not play sorts after those who
do). During the ``playoff_minutes`` after the close each of them may play once (``/playoff``):
the same ``playoff_questions`` questions for the whole group, preferring questions none of
them saw in the competition, each worker in their own order. The play-off's score, then its
time, orders workers of equal score on every board (``contest.ranking``); team scores do not
change. Final results go out when the window closes (``scheduler.jobs.results_time``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.attempts.comeback import active_attempt, show_current
from contest.attempts.start import create_attempt, present_first
from contest.attempts.state import finish
from contest.errors import ContestError
from contest.models import (
    Attempt,
    AttemptKind,
    AttemptQuestion,
    AttemptStatus,
    Competition,
    CompetitionStatus,
    Standing,
    Worker,
)
from contest.practice_rounds import load_candidates
from contest.quizview import QuestionView, Summary
from contest.rules import rules_of
from quizbank.question_draw import DrawRule, draw
from storage.ids import id_of
from storage.types import Clock

PLAYOFF_NUMBER = 0  # the play-off attempt's number: one per worker and competition


@dataclass(frozen=True)
class Invitation:
    worker_id: int
    score: float
    place: int  # the place the group shares by score
    rivals: int  # how many others share it
    closes_at: datetime


def playoff_window(competition: Competition) -> tuple[datetime, datetime]:
    rules = rules_of(competition)
    return competition.ends_at, competition.ends_at + timedelta(minutes=rules.ties.playoff_minutes)


async def invite(session: AsyncSession, *, competition_id: int) -> list[Invitation]:
    """Mark the workers tied on score within the play-off places as invited; who they are.

    Idempotent: a second call finds the same groups. Flushes, does not commit.
    """
    competition = await session.get(Competition, competition_id)
    if competition is None:
        raise ContestError("competition_not_found", competition_id=competition_id)
    places = rules_of(competition).ties.playoff_places
    if not places:
        return []
    rows = (
        await session.execute(
            select(col(Standing.worker_id), col(Standing.score))
            .where(col(Standing.competition_id) == competition_id)
            .order_by(col(Standing.score).desc())
        )
    ).all()
    groups: dict[float, list[int]] = {}
    place_of: dict[float, int] = {}
    for index, (worker_id, score) in enumerate(rows):
        place_of.setdefault(score, index + 1)
        groups.setdefault(score, []).append(worker_id)
    _, closes = playoff_window(competition)
    invited = [
        Invitation(worker_id, score, place_of[score], len(members) - 1, closes)
        for score, members in groups.items()
        if place_of[score] <= places and len(members) > 1
        for worker_id in members
    ]
    if invited:
        await session.execute(
            update(Standing)
            .where(
                col(Standing.competition_id) == competition_id,
                col(Standing.worker_id).in_([i.worker_id for i in invited]),
                col(Standing.playoff_score).is_(None),
            )
            .values(playoff_score=0.0)
            .execution_options(synchronize_session=False)
        )
    return invited


async def start_playoff(
    session: AsyncSession, *, worker_id: int, clock: Clock, tz: str
) -> tuple[Attempt, list[int]]:
    """Create the worker's play-off attempt (``no_playoff`` when not invited or the window
    is closed, ``playoff_played`` when already played); its question ids. Does not commit."""
    now = clock()
    found = (
        await session.execute(
            select(Competition, Standing)
            .join(Standing, col(Standing.competition_id) == col(Competition.id))
            .where(
                col(Standing.worker_id) == worker_id,
                col(Standing.playoff_score).is_not(None),
                col(Competition.status).in_([CompetitionStatus.CLOSED, CompetitionStatus.OPEN]),
                col(Competition.ends_at) <= now,
            )
            .order_by(col(Competition.ends_at).desc())
        )
    ).all()
    live = [(c, s) for c, s in found if playoff_window(c)[0] <= now < playoff_window(c)[1]]
    if not live:
        raise ContestError("no_playoff")
    competition, standing = live[0]
    if standing.playoff_time_ms is not None:
        raise ContestError("playoff_played")
    current = await active_attempt(session, worker_id=worker_id, clock=clock)
    if current is not None and current.kind != AttemptKind.PRACTICE:
        raise ContestError("attempt_in_progress")
    rules = rules_of(competition)
    ids = await playoff_questions(session, competition=competition, score=standing.score)
    seed = random.SystemRandom().randrange(2**31)
    random.Random(seed).shuffle(ids)
    limit = timedelta(seconds=rules.question_time_limit_s * len(ids))
    attempt = Attempt(
        worker_id=worker_id,
        competition_id=competition.id,
        kind=AttemptKind.PLAYOFF,
        number=PLAYOFF_NUMBER,
        seed=seed,
        started_at=now,
        deadline_at=min(now + limit, playoff_window(competition)[1]),
    )
    if current is not None:
        await finish(session, attempt=current, status=AttemptStatus.EXPIRED, now=now)
    return attempt, ids


async def playoff_questions(
    session: AsyncSession, *, competition: Competition, score: float
) -> list[int]:
    """The group's questions: the same for everyone tied on ``score``, unseen by them first."""
    rules = rules_of(competition)
    group = select(col(Standing.worker_id)).where(
        col(Standing.competition_id) == competition.id,
        col(Standing.score) == score,
        col(Standing.playoff_score).is_not(None),
    )
    seen_rows = await session.execute(
        select(col(AttemptQuestion.question_id), col(Attempt.started_at))
        .join(Attempt, col(Attempt.id) == col(AttemptQuestion.attempt_id))
        .where(
            col(Attempt.competition_id) == competition.id,
            col(Attempt.kind) == AttemptKind.COMPETITION,
            col(Attempt.worker_id).in_(group),
        )
    )
    seen = {question_id: started for question_id, started in seen_rows.all()}
    candidates = await load_candidates(
        session, sets=rules.source.sets, categories=rules.source.categories
    )
    count = min(rules.ties.playoff_questions, len(candidates))
    if not count:
        raise ContestError("no_questions")
    seed = random.Random(f"playoff:{competition.id}:{score}").randrange(2**31)
    ids = draw(candidates, [DrawRule(count=count)], seed=seed, recently_seen=seen)
    return sorted(ids)


async def play_playoff(
    session: AsyncSession, *, worker: Worker, clock: Clock, tz: str
) -> QuestionView | Summary:
    """/playoff: start (or resume) the worker's 加赛 and present its question; once per
    competition.

    Refusals: ``no_playoff``, ``playoff_played``, ``attempt_in_progress``. A second tap
    resumes the attempt the first one started (the database allows one per worker).
    """
    worker_id = id_of(worker)
    current = await active_attempt(session, worker_id=worker_id, clock=clock)
    if current is not None and current.kind == AttemptKind.PLAYOFF:
        return await show_current(
            session, worker_id=worker_id, attempt_id=id_of(current), clock=clock, tz=tz
        )
    attempt, ids = await start_playoff(session, worker_id=worker_id, clock=clock, tz=tz)
    try:
        async with session.begin_nested():
            await create_attempt(session, attempt=attempt, question_ids=ids)
    except IntegrityError:
        await session.rollback()
        raise ContestError("playoff_played") from None
    return await present_first(session, attempt=attempt, clock=clock, tz=tz)
