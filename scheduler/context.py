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


@dataclass(frozen=True)
class JobContext:
    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    clock: Clock = utcnow


def local_time(when: datetime, timezone: str) -> str:
    """How people read a time: in the competition's zone, to the minute."""
    return when.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def run_stamp(when: datetime) -> str:
    """A fire time in dedup keys (UTC, to the minute)."""
    return when.strftime("%Y%m%dT%H%MZ")
