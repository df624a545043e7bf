"""Participation per team (参与率) and who a competition's broadcast reaches.

``contest.boards.team_board`` lists only teams that already have participants; organisers
asking "who has not started yet?" need every team with registered members, so this module
counts from the workers and their attempts directly.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.models import Attempt, AttemptKind, Team, Worker


@dataclass(frozen=True)
class TeamParticipation:
    team_id: int | None
    name: str
    registered: int
    participants: int

    @property
    def rate(self) -> float:
        return self.participants / self.registered if self.registered else 0.0


async def participation_by_team(
    session: AsyncSession, *, competition_id: int, exclude_telegram_ids: Collection[int] = ()
) -> list[TeamParticipation]:
    """Every team with members: registered workers and how many started the competition.

    Workers without a team are counted under ``team_id=None``; ``exclude_telegram_ids``
    (the organisers) are not counted at all. Sorted by rate, then name.
    """
    took_part = (
        select(distinct(col(Attempt.worker_id)))
        .where(col(Attempt.competition_id) == competition_id)
        .where(col(Attempt.kind) == AttemptKind.COMPETITION)
    )
    registered = func.count(col(Worker.id)).filter(col(Worker.telegram_id).is_not(None))
    started = func.count(col(Worker.id)).filter(col(Worker.id).in_(took_part))
    query = (
        select(col(Worker.team_id), col(Team.name), registered, started)
        .outerjoin(Team, col(Team.id) == col(Worker.team_id))
        .group_by(col(Worker.team_id), col(Team.name))
    )
    if exclude_telegram_ids:
        query = query.where(
            col(Worker.telegram_id).is_(None)
            | col(Worker.telegram_id).not_in(list(exclude_telegram_ids))
        )
    rows = [
        TeamParticipation(team_id, name or "", int(reg), int(part))
        for team_id, name, reg, part in (await session.execute(query)).all()
    ]
    return sorted(rows, key=lambda r: (-r.rate, r.team_id is None, r.name))


async def broadcast_recipients(session: AsyncSession) -> list[tuple[int, str]]:
    """Chat id and language of every registered worker who has not blocked the bot."""
    query = (
        select(col(Worker.telegram_id), col(Worker.language))
        .where(col(Worker.telegram_id).is_not(None), col(Worker.active).is_(True))
        .order_by(col(Worker.telegram_id))
    )
    return [(int(chat_id), language or "zh") for chat_id, language in await session.execute(query)]
