"""Tables of the Telegram edge: conversation state (FSM) and the update inbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, String
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class ConversationState(SQLModel, table=True):
    """Chat conversation state (aiogram FSM) when no Redis is configured."""

    __tablename__ = "conversation_state"

    key: str = Field(sa_column=Column(String(200), primary_key=True))
    state: str | None = Field(default=None, max_length=200)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InboxStatus(StrEnum):
    PENDING = "pending"  # taken, not yet handled (or handling was cut short)
    DONE = "done"  # handled; a replay of the same update_id changes nothing
    FAILED = "failed"  # handling raised a bug; kept for the operator, not retried


class InboxUpdate(SQLModel, table=True):
    """An update from Telegram, stored before it is acknowledged (offset or webhook 200).

    ``received_at`` is when it reached us, the time every deadline and speed bonus is
    measured from. ``owner`` is the process handling it; a row whose owner stopped
    heartbeating is taken over, so nothing acknowledged is lost to a crash.
    """

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_status_owner", "status", "owner"),)

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    received_at: datetime = Field(sa_type=UTCDateTime)
    owner: str = Field(max_length=64)
    status: InboxStatus = Field(default=InboxStatus.PENDING, sa_type=String(16))
    tries: int = 0
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class BotInstance(SQLModel, table=True):
    """A running bot process, so others can tell a live owner from a dead one."""

    __tablename__ = "bot_instance"

    id: str = Field(primary_key=True, max_length=64)
    mode: str = Field(max_length=16, description="polling | webhook")
    host: str = Field(default="", max_length=255)
    pid: int = 0
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    heartbeat_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
