"""Scheduler and delivery tables: the outbox, job run records, announced ranks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, LargeBinary, String, Text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"


class OutboxMessage(SQLModel, table=True):
    """A message to deliver; ``dedup_key`` makes each (announcement, chat) exactly once."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(sa_column=Column(String(200), unique=True, nullable=False))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(default="text", max_length=16, description="text | photo | document")
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    payload: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    filename: str | None = Field(default=None, max_length=255)
    batch: str | None = Field(default=None, max_length=100, index=True)
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_type=String(16))
    tries: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    telegram_message_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class JobRun(SQLModel, table=True):
    """One scheduled run of a job; the primary key makes a run happen at most once."""

    __tablename__ = "job_run"

    job_key: str = Field(primary_key=True, max_length=100)
    scheduled_for: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str = Field(default="running", max_length=20)


class JobPause(SQLModel, table=True):
    """A job paused by an organiser (``schedule pause``)."""

    __tablename__ = "job_pause"

    job_key: str = Field(primary_key=True, max_length=100)
    paused_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AnnouncedRank(SQLModel, table=True):
    """A rank as last announced, so the next announcement can show movement (↑2, ↓1, 新)."""

    __tablename__ = "announced_rank"

    competition_id: int = Field(foreign_key="competition.id", primary_key=True, ondelete="CASCADE")
    board: str = Field(primary_key=True, max_length=16, description="individual | team")
    entity_id: int = Field(primary_key=True, description="worker id or team id")
    rank: int
    announced_at: datetime = Field(sa_type=UTCDateTime)
