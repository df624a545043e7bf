"""The messenger edges' inbox table (钉钉, 飞书): the events they delivered (the groups the
apps sit in are the core's, :mod:`contest.app_groups`).

An event is stored here before its frame is acknowledged (:mod:`chat.inbox`); ``id`` is the
order in which events reached us, which also tells a typed answer written before its
question appeared from one written after (the messenger counterpart of Telegram's message
ids, see :func:`contest.attempts.answer_blank`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class EventStatus(StrEnum):
    PENDING = "pending"  # stored (and acknowledged), not yet handled
    DONE = "done"  # handled; a redelivery of the same event changes nothing
    FAILED = "failed"  # handling raised a bug; kept for the operator, not retried


class MessengerEvent(SQLModel, table=True):
    """One event from a messenger's long connection (a message, a card click).

    ``received_at`` is when it reached us: every deadline is measured from it. ``owner`` is
    the process handling it; a row whose owner stopped heartbeating is taken over.
    """

    __tablename__ = "messenger_event"
    __table_args__ = (
        UniqueConstraint("platform", "event_id", name="uq_messenger_event"),
        Index("ix_messenger_event_status_owner", "status", "owner"),
    )

    # SQLite numbers rows only through INTEGER PRIMARY KEY; PostgreSQL's may outgrow 2^31.
    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    )
    platform: str = Field(sa_column=Column(String(16), nullable=False))
    event_id: str = Field(sa_column=Column(String(128), nullable=False))
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    received_at: datetime = Field(sa_type=UTCDateTime)
    owner: str = Field(max_length=64)
    status: EventStatus = Field(default=EventStatus.PENDING, sa_type=String(16))
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
