"""Scheduler tables: job run records and announced ranks.

The outbox table is the contest's (``contest.outbox``), as are paused schedules
(``contest.schedules``); both are re-exported here for older imports.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from contest.outbox import OutboxMessage, OutboxStatus
from contest.schedules import JobPause
from storage.types import UTCDateTime, utcnow


class JobRun(SQLModel, table=True):
    """One scheduled run of a job; the primary key makes a run happen at most once."""

    __tablename__ = "job_run"

    job_key: str = Field(primary_key=True, max_length=100)
    scheduled_for: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str = Field(default="running", max_length=20)


class AnnouncedRank(SQLModel, table=True):
    """A rank as last announced, so the next announcement can show movement (↑2, ↓1, 新)."""

    __tablename__ = "announced_rank"

    competition_id: int = Field(foreign_key="competition.id", primary_key=True, ondelete="CASCADE")
    board: str = Field(primary_key=True, max_length=16, description="individual | team")
    entity_id: int = Field(primary_key=True, description="worker id or team id")
    rank: int
    announced_at: datetime = Field(sa_type=UTCDateTime)


__all__ = ["AnnouncedRank", "JobPause", "JobRun", "OutboxMessage", "OutboxStatus"]
