"""The outbox (发件箱) as the contest sees it: the table, queueing a message, a batch's progress.

Every scheduled or broadcast message is a row first; ``scheduler.outbox`` delivers due rows
through the bot. Queueing is a contest service (an announcement, a broadcast, a reminder is
the contest's decision), delivery is the scheduler's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, Index, LargeBinary, String, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from storage.types import Clock, UTCDateTime, utcnow
from storage.upsert import upsert

# ``certificate`` and ``card`` are pictures queued as their data, drawn when sent; an
# ``edit`` replaces a message's text and buttons (its JSON payload names the message).
KINDS = frozenset({"text", "photo", "document", "certificate", "card", "edit"})


APP_CHANNELS = (
    "dingtalk_app",
    "feishu_app",
    "dingtalk_user",
    "feishu_user",
    "wecom_user",
)
"""Rows the messengers' own processes deliver through their apps (:mod:`contest.app_groups`),
not the scheduler's sender: into a group (``_app``, ``chat_id`` the group's row) or to one
worker's private chat with the app (``_user``, ``chat_id`` the worker; on 企业微信 the
self-built app's messages, 应用消息)."""


Buttons = list[list[dict[str, Any]]]
"""Inline buttons under a text row, stored as its JSON payload: each ``{"text", "url"}``,
``{"text", "start"}`` (a ``t.me/<bot>?start=`` deep link, the bot's name filled in when
sent) or ``{"text", "callback"}``."""


def buttons_payload(buttons: Buttons, **extra: Any) -> bytes:
    """A text row's payload: its buttons (and, for an edit, the message it edits)."""
    return json.dumps({"buttons": buttons, **extra}, ensure_ascii=False).encode()


def payload_of(message: OutboxMessage) -> dict[str, Any]:
    """A text or edit row's JSON payload ({} when it has none)."""
    if message.kind not in ("text", "edit") or not message.payload:
        return {}
    found = json.loads(message.payload.decode())
    return found if isinstance(found, dict) else {}


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
    # Where it goes: "telegram" (``chat_id`` is a chat) or a robot platform ("wecom",
    # "dingtalk", "feishu"; ``chat_id`` is the ``webhook_robot`` row).
    channel: str = Field(
        default="telegram", sa_column=Column(String(16), nullable=False, server_default="telegram")
    )
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


@dataclass(frozen=True)
class BatchProgress:
    """How a broadcast batch is doing."""

    sent: int = 0
    failed: int = 0
    blocked: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.blocked + self.pending

    @property
    def done(self) -> bool:
        return self.pending == 0


async def enqueue(
    session: AsyncSession,
    *,
    dedup_key: str,
    chat_id: int,
    text: str,
    kind: str = "text",
    payload: bytes | None = None,
    filename: str | None = None,
    batch: str | None = None,
    not_before: datetime | None = None,
    channel: str = "telegram",
    clock: Clock = utcnow,
    buttons: Buttons | None = None,
) -> bool:
    """Queue one message; True if new, False if ``dedup_key`` was queued before.

    ``buttons`` go under a text (a Telegram row). Flushes but does not commit: the caller
    commits, together with whatever made the message necessary (a job run, a broadcast
    record), so both happen or neither does.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    if buttons:
        payload = buttons_payload(buttons)
    if kind != "text" and payload is None:
        raise ValueError(f"a {kind} needs a payload")
    now = clock()
    values = {
        "chat_id": chat_id,
        "channel": channel,
        "kind": kind,
        "text": text,
        "payload": payload,
        "filename": filename,
        "batch": batch,
        "status": OutboxStatus.PENDING.value,
        "tries": 0,
        "next_attempt_at": not_before or now,
        "created_at": now,
    }
    written = await upsert(
        session, OutboxMessage, keys={"dedup_key": dedup_key}, values=values, update=False
    )
    return bool(written)


async def batch_progress(session: AsyncSession, *, batch: str) -> BatchProgress:
    """Counts of a broadcast batch by outcome (pending includes rows waiting for a retry)."""
    rows = await session.execute(
        select(col(OutboxMessage.status), func.count())
        .where(col(OutboxMessage.batch) == batch)
        .group_by(col(OutboxMessage.status))
    )
    counts = {str(status): n for status, n in rows.all()}
    return BatchProgress(
        sent=counts.get(OutboxStatus.SENT, 0),
        failed=counts.get(OutboxStatus.FAILED, 0),
        blocked=counts.get(OutboxStatus.BLOCKED, 0),
        pending=counts.get(OutboxStatus.PENDING, 0),
    )


async def pending_count(session: AsyncSession, *, clock: Clock = utcnow) -> int:
    """Rows due now (for the runner: is there more to send right away?)."""
    query = select(func.count()).where(
        col(OutboxMessage.status) == OutboxStatus.PENDING,
        col(OutboxMessage.next_attempt_at) <= clock(),
        col(OutboxMessage.channel).not_in(APP_CHANNELS),
    )
    return int((await session.execute(query)).scalar_one())
