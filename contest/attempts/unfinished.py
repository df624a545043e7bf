"""The question a worker left open (未答完的题): where it is and how long its clock runs.

``/start`` or the menu in the middle of a question must not hide that a clock is running:
the edges say which competition, question k of n and the time left, with a way back to it.
Read-only: deadlines are applied when the worker goes back (:func:`show_current`), so what
they missed meanwhile is still said then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contest.attempts.comeback import latest_active, takes_answers
from contest.attempts.state import attempt_question, competition_rules
from contest.models import AnswerStatus, AttemptKind
from storage.ids import id_of
from storage.types import Clock


@dataclass(frozen=True)
class OpenQuestion:
    """The worker's unfinished attempt at its current question.

    ``deadline_at`` is the question's (None: no clock, or not shown yet); ``over`` says the
    question's or the attempt's time has run out (going back shows what that means)."""

    attempt_id: int
    kind: AttemptKind
    title: str
    position: int
    total: int
    deadline_at: datetime | None
    presented: bool
    over: bool
    timezone: str


async def open_question(
    session: AsyncSession, *, worker_id: int, clock: Clock, tz: str
) -> OpenQuestion | None:
    """The worker's active attempt as it stands, or None."""
    attempt = await latest_active(session, worker_id=worker_id)
    if attempt is None or attempt.current_position >= attempt.question_count:
        return None
    now = clock()
    competition, _ = await competition_rules(session, attempt)
    aq, _ = await attempt_question(
        session, attempt_id=id_of(attempt), position=attempt.current_position
    )
    presented = aq.presented_at is not None and aq.status == AnswerStatus.PENDING
    deadline = aq.deadline_at if presented else None
    over = (
        (deadline is not None and now >= deadline)
        or (attempt.deadline_at is not None and now >= attempt.deadline_at)
        or not takes_answers(attempt, competition, now=now)
    )
    return OpenQuestion(
        attempt_id=id_of(attempt),
        kind=AttemptKind(attempt.kind),
        title=competition.name if competition is not None else "",
        position=attempt.current_position,
        total=attempt.question_count,
        deadline_at=deadline,
        presented=presented,
        over=over,
        timezone=competition.timezone if competition is not None else tz,
    )
