"""What a worker weighs before entering a competition: when it closes, what the paper is,
how many attempts they have left (the competition list of /quiz)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.attempts.days import day_start
from contest.competitions import open_competitions
from contest.models import Attempt, AttemptStatus
from contest.rules import rules_of
from storage.ids import id_of
from storage.types import Clock


@dataclass(frozen=True)
class Offer:
    """One open competition as one worker sees it."""

    id: int
    name: str
    timezone: str
    ends_at: datetime
    question_count: int
    question_time_limit_s: int
    paper_time_s: int  # the most one attempt can take
    attempts_allowed: int
    attempts_used: int
    in_progress: bool  # the worker has an unfinished attempt at it
    attempts_per_day: int | None = None  # 每天可答 N 次
    attempts_today: int = 0

    @property
    def attempts_left(self) -> int:
        """Attempts the worker may still start (today, when there is a daily limit)."""
        left = self.attempts_allowed - self.attempts_used
        if self.attempts_per_day is not None:
            left = min(left, self.attempts_per_day - self.attempts_today)
        return max(left, 0)

    @property
    def done_for_today(self) -> bool:
        """Today's attempts are used, but not the competition's: come back tomorrow."""
        return self.attempts_left == 0 and self.attempts_used < self.attempts_allowed


async def competition_offers(session: AsyncSession, *, worker_id: int, clock: Clock) -> list[Offer]:
    """The competitions open now, ending soonest first, with this worker's attempts."""
    competitions = await open_competitions(session, clock=clock)
    if not competitions:
        return []
    now = clock()
    rows = (
        await session.execute(
            select(
                col(Attempt.competition_id),
                col(Attempt.started_at),
                col(Attempt.status),
                col(Attempt.deadline_at),
            ).where(
                col(Attempt.worker_id) == worker_id,
                col(Attempt.competition_id).in_([c.id for c in competitions]),
            )
        )
    ).all()
    offers = []
    for competition in competitions:
        rules = rules_of(competition)
        mine = [row for row in rows if row[0] == competition.id]
        today = day_start(now, competition.timezone)
        offers.append(
            Offer(
                id=id_of(competition),
                name=competition.name,
                timezone=competition.timezone,
                ends_at=competition.ends_at,
                question_count=rules.question_count,
                question_time_limit_s=rules.question_time_limit_s,
                paper_time_s=rules.paper_time_s,
                attempts_allowed=rules.attempts_allowed,
                attempts_used=len(mine),
                # still active and not yet past its deadline (expiry is lazy)
                in_progress=any(
                    status == AttemptStatus.ACTIVE and (deadline is None or deadline > now)
                    for _, _, status, deadline in mine
                ),
                attempts_per_day=rules.attempts_per_day,
                attempts_today=sum(1 for _, started, _, _ in mine if started >= today),
            )
        )
    return offers


QUIZ_LINK_PREFIX = "quiz-"
"""``t.me/<bot>?start=quiz-<id>``: the group's 去答题 button for one competition (a deep
link's payload is at most 64 of [A-Za-z0-9_-]; team join codes never take this form)."""


def quiz_link_payload(competition_id: int) -> str:
    return f"{QUIZ_LINK_PREFIX}{competition_id}"


def competition_of_payload(payload: str) -> int | None:
    """The competition a ``quiz-<id>`` deep link names, or None for anything else."""
    rest = payload.removeprefix(QUIZ_LINK_PREFIX)
    if rest == payload or not (rest.isascii() and rest.isdigit()) or len(rest) > 10:
        return None
    return int(rest)
