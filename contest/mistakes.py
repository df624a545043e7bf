"""错题本 (the mistake book): questions a worker got wrong and has not answered right since.

Practice answers count at once; a competition's (and its 加赛's) only once it has closed (and only
where its rules show answers after the close), so nobody rehearses a live paper. A
question leaves the book the next time it is answered right. Retrying is a practice round
drawn from the book (:func:`contest.attempts.start_practice` with ``mistakes=True``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.models import (
    AnswerStatus,
    Attempt,
    AttemptQuestion,
    Competition,
    CompetitionStatus,
)
from contest.rules import rules_of
from quizbank.models import Question
from storage.ids import id_of

CLOSED = (CompetitionStatus.CLOSED, CompetitionStatus.ARCHIVED)


async def mistake_questions(session: AsyncSession, *, worker_id: int) -> list[int]:
    """The book, most recent mistake first: ids of active questions whose last answer by
    this worker (in practice, or in a closed competition) was wrong, partial or late."""
    rows = await session.execute(
        select(
            col(AttemptQuestion.question_id),
            col(AttemptQuestion.credit),
            col(AttemptQuestion.status),
            col(Attempt.competition_id),
        )
        .join(Attempt, col(Attempt.id) == col(AttemptQuestion.attempt_id))
        .join(Question, col(Question.id) == col(AttemptQuestion.question_id))
        .where(
            col(Attempt.worker_id) == worker_id,
            col(AttemptQuestion.status).in_([AnswerStatus.ANSWERED, AnswerStatus.TIMEOUT]),
            col(Question.active).is_(True),
        )
        .order_by(col(AttemptQuestion.answered_at), col(AttemptQuestion.id))
    )
    reviewable = await _reviewable_competitions(session, worker_id=worker_id)
    last: dict[int, bool] = {}  # question → last answer fully right?
    for question_id, credit, status, competition_id in rows.all():
        if competition_id is not None and competition_id not in reviewable:
            continue
        last.pop(question_id, None)  # re-insert: dict order is then "latest last"
        last[question_id] = status == AnswerStatus.ANSWERED and credit >= 1.0
    return [question_id for question_id, right in reversed(last.items()) if not right]


async def _reviewable_competitions(session: AsyncSession, *, worker_id: int) -> set[int]:
    played = select(col(Attempt.competition_id)).where(
        col(Attempt.worker_id) == worker_id, col(Attempt.competition_id).is_not(None)
    )
    found = await session.execute(
        select(Competition).where(
            col(Competition.id).in_(played), col(Competition.status).in_(CLOSED)
        )
    )
    return {id_of(c) for c in found.scalars() if rules_of(c).feedback.show_answers != "never"}


@dataclass(frozen=True)
class WaitingBook:
    """A competition still running in which the worker has answered: its mistakes join the
    book at ``ends_at`` (``joins``), or never, where its rules never show the answers."""

    competition_id: int
    name: str
    ends_at: datetime
    timezone: str
    joins: bool


async def waiting_for_close(session: AsyncSession, *, worker_id: int) -> list[WaitingBook]:
    """The competitions not closed yet that this worker has answered in, closing soonest
    first: an empty book during a contest is not the whole story."""
    answered = (
        select(col(Attempt.competition_id))
        .join(AttemptQuestion, col(AttemptQuestion.attempt_id) == col(Attempt.id))
        .where(
            col(Attempt.worker_id) == worker_id,
            col(Attempt.competition_id).is_not(None),
            col(AttemptQuestion.status) != AnswerStatus.PENDING,
        )
    )
    found = await session.execute(
        select(Competition)
        .where(col(Competition.id).in_(answered), col(Competition.status).not_in(CLOSED))
        .order_by(col(Competition.ends_at), col(Competition.id))
    )
    return [
        WaitingBook(
            competition_id=id_of(c),
            name=c.name,
            ends_at=c.ends_at,
            timezone=c.timezone,
            joins=rules_of(c).feedback.show_answers != "never",
        )
        for c in found.scalars()
    ]
