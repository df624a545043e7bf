"""Questions whose time ran out while the worker looked at them (超时), applied as they fall due.

The worker's own next action applies a passed deadline too (:mod:`contest.attempts.comeback`),
but until then the chat would show a question whose buttons still seem to work. The
scheduler calls :func:`time_out_due` every few seconds: each due question of an attempt shown
in a Telegram chat is closed as a timeout (the same conditional write as a late answer, so a
tap in the same instant counts once), and the caller queues the edit that says so in the
same transaction, so a restart loses no due edit. The next question waits, unshown, for the
worker (its clock starts when they ask for it), as after any timeout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.attempts.comeback import catch_up
from contest.attempts.state import competition_rules
from contest.models import (
    AnswerStatus,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Worker,
)
from contest.quizview import Feedback
from storage.ids import id_of
from storage.types import Clock


@dataclass(frozen=True)
class TimedOut:
    """A question closed by its deadline, and the chat message that shows it."""

    attempt_id: int
    chat_id: int
    message_id: int
    position: int
    total: int
    title: str
    language: str
    feedback: Feedback | None  # None when the attempt's own time (or the contest) ended it
    finished: bool  # the attempt ended with it


GRACE = timedelta(seconds=5)
"""How long after its deadline a question is closed here: a tap that reached the bot before
the deadline but still waits in a busy intake must find its question open (it is judged by
its receipt time); a tap after the deadline scores nothing either way."""


async def time_out_due(
    session: AsyncSession,
    *,
    clock: Clock,
    limit: int = 200,
    grace: timedelta = GRACE,
    waiting_since: datetime | None = None,
) -> list[TimedOut]:
    """Close up to ``limit`` open questions shown in Telegram chats whose deadline passed
    ``grace`` ago (earliest first).

    ``waiting_since`` is the receipt time of the oldest update the intake holds but has not
    handled yet: a question whose deadline is not before it stays open, because that update
    may be a tap that came in time (under a crowd the intake can lag more than ``grace``).

    Flushes, does not commit: the caller queues the edits and commits once."""
    cutoff = clock() - grace
    if waiting_since is not None and waiting_since <= cutoff:
        cutoff = waiting_since - timedelta(microseconds=1)
    rows = await session.execute(
        select(Attempt, AttemptQuestion, col(Worker.language))
        .join(
            AttemptQuestion,
            and_(
                col(AttemptQuestion.attempt_id) == col(Attempt.id),
                col(AttemptQuestion.position) == col(Attempt.current_position),
            ),
        )
        .join(Worker, col(Worker.id) == col(Attempt.worker_id))
        .where(
            col(Attempt.status) == AttemptStatus.ACTIVE,
            col(Attempt.chat_id) > 0,  # a Telegram private chat (messengers keep 0, web none)
            col(Attempt.message_id).is_not(None),
            col(AttemptQuestion.status) == AnswerStatus.PENDING,
            col(AttemptQuestion.deadline_at) <= cutoff,
        )
        .order_by(col(AttemptQuestion.deadline_at))
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    found = []
    for attempt, aq, language in rows.all():
        chat_id, message_id = attempt.chat_id, attempt.message_id
        missed = await catch_up(session, attempt=attempt, clock=clock)
        finished = attempt.status != AttemptStatus.ACTIVE
        if not missed and not finished:
            continue  # answered (late) in the same instant: that answer said it
        competition, _ = await competition_rules(session, attempt)
        assert chat_id is not None and message_id is not None
        found.append(
            TimedOut(
                attempt_id=id_of(attempt),
                chat_id=chat_id,
                message_id=message_id,
                position=aq.position,
                total=attempt.question_count,
                title=competition.name if competition is not None else "",
                language=language,
                feedback=missed[0] if missed else None,
                finished=finished,
            )
        )
    return found


async def still_showing(
    session: AsyncSession, *, attempt_id: int, position: int, message_id: int
) -> bool:
    """Whether the chat has not moved on since the question at ``position`` timed out: the
    message is still the attempt's latest, and the question after it has not been shown
    (a tap on the old buttons in the meantime shows it, in that same message)."""
    attempt = await session.get(Attempt, attempt_id, populate_existing=True)
    if attempt is None or attempt.message_id != message_id:
        return False
    following = await session.scalar(
        select(col(AttemptQuestion.presented_at)).where(
            col(AttemptQuestion.attempt_id) == attempt_id,
            col(AttemptQuestion.position) == position + 1,
        )
    )
    return following is None
