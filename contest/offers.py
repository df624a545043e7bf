"""What a worker weighs before entering a competition: when it closes, what the paper is,
how many attempts they have left (the competition list of /quiz)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.competitions import open_competitions
from contest.models import Attempt, AttemptStatus
from contest.rules import rules_of
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

    @property
    def attempts_left(self) -> int:
        return max(self.attempts_allowed - self.attempts_used, 0)


async def competition_offers(session: AsyncSession, *, worker_id: int, clock: Clock) -> list[Offer]:
    """The competitions open now, ending soonest first, with this worker's attempts."""
    competitions = await open_competitions(session, clock=clock)
    if not competitions:
        return []
    ids = [int(c.id or 0) for c in competitions]
    now = clock()
    running = and_(  # still active and not yet past its deadline (expiry is lazy)
        col(Attempt.status) == AttemptStatus.ACTIVE,
        or_(col(Attempt.deadline_at).is_(None), col(Attempt.deadline_at) > now),
    )
    rows = await session.execute(
        select(col(Attempt.competition_id), func.count(), func.max(case((running, 1), else_=0)))
        .where(col(Attempt.worker_id) == worker_id, col(Attempt.competition_id).in_(ids))
        .group_by(col(Attempt.competition_id))
    )
    used = {competition_id: (int(n), bool(active)) for competition_id, n, active in rows}
    offers = []
    for competition in competitions:
        rules = rules_of(competition)
        n_used, active = used.get(int(competition.id or 0), (0, False))
        per_question = rules.question_time_limit_s * rules.question_count
        offers.append(
            Offer(
                id=int(competition.id or 0),
                name=competition.name,
                timezone=competition.timezone,
                ends_at=competition.ends_at,
                question_count=rules.question_count,
                question_time_limit_s=rules.question_time_limit_s,
                paper_time_s=min(rules.total_time_limit_s or per_question, per_question),
                attempts_allowed=rules.attempts_allowed,
                attempts_used=n_used,
                in_progress=active,
            )
        )
    return offers
