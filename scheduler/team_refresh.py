"""Team standings kept within about a second of the answers, by one process at a time.

Answers write only the worker's own standing; :class:`TeamRefresher` recomputes the team
standings of every competition that is open (or closed a short while ago, so the last
answers and late expiries are counted) about once a second. Only the holder of the
``standings`` lease does the work, so N bot processes refresh once, not N times; if that
process dies another takes over when the lease expires. A refresh writes only rows that
changed, so a quiet competition costs two aggregate reads a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from contest.models import Competition, CompetitionStatus
from contest.standings import refresh_team_standings
from storage.lease import acquire_lease, release_lease
from storage.types import Clock, utcnow

logger = logging.getLogger(__name__)

LEASE = "standings"
RECENTLY_CLOSED = timedelta(minutes=10)


class TeamRefresher:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        clock: Clock = utcnow,
        interval: float = 1.0,
        holder: str | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.interval = interval
        self.holder = holder or f"standings-{uuid.uuid4().hex[:12]}"
        self.ttl = timedelta(seconds=max(10.0, 5 * interval))

    async def step(self) -> int:
        """One pass: the number of team rows that changed (0 when another process holds it)."""
        async with self.session_factory.begin() as session:  # the lease, seen by all
            if not await acquire_lease(
                session, holder=self.holder, ttl=self.ttl, clock=self.clock, name=LEASE
            ):
                return 0
            ids = await live_competition_ids(session, clock=self.clock)
        changed = 0
        for competition_id in ids:
            async with self.session_factory.begin() as session:
                changed += await refresh_team_standings(
                    session, competition_id=competition_id, clock=self.clock
                )
        return changed

    async def run(self, stop: asyncio.Event) -> None:
        """Refresh until ``stop`` is set; a failing pass is logged and the loop goes on."""
        try:
            while not stop.is_set():
                try:
                    await self.step()
                except Exception:
                    logger.exception("team standings refresh failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.interval)
        finally:
            with contextlib.suppress(Exception):
                async with self.session_factory.begin() as session:
                    await release_lease(session, holder=self.holder, clock=self.clock, name=LEASE)


async def live_competition_ids(session: AsyncSession, *, clock: Clock) -> list[int]:
    """Competitions whose standings may still move: open, or closed only just now."""
    now = clock()
    rows = await session.execute(
        select(col(Competition.id)).where(
            or_(
                col(Competition.status) == CompetitionStatus.OPEN,
                (col(Competition.status) == CompetitionStatus.CLOSED)
                & (col(Competition.ends_at) >= now - RECENTLY_CLOSED),
            )
        )
    )
    return [cid for cid in rows.scalars() if cid is not None]
