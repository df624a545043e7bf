"""What a job run gets: settings, the session factory and the clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from storage.types import Clock, utcnow

# A run is prepared outside the write transaction (reads, drawing the picture) and returns
# an ``Apply``: the writes, done in the transaction that also records the run.
Apply = Callable[[AsyncSession], Awaitable[str]]

# The receipt time of the oldest update an intake holds unhandled (None: none waits). The
# process that runs an intake passes it (``bot.inbox.oldest_waiting``): the scheduler knows
# no bot, and a question is not closed while a tap that came in time may still be waiting.
WaitingSince = Callable[[AsyncSession], Awaitable[datetime | None]]


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    clock: Clock = utcnow
    waiting_since: WaitingSince | None = None


def local_time(when: datetime, timezone: str) -> str:
    """How people read a time: in the competition's zone, to the minute."""
    return when.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def run_stamp(when: datetime) -> str:
    """A fire time in dedup keys (UTC, to the minute)."""
    return when.strftime("%Y%m%dT%H%MZ")
