"""Who a worker is on the enterprise messengers (钉钉, 飞书, 企业微信): one row per platform
account, so a message, a card click or an in-app browser sign-in from that account acts as
that worker without typing anything.

The link is made once, when the platform's directory (工号 or mobile) or the worker's own
confirmation placed the account on the roster; the unique keys make two simultaneous first
contacts from one account link once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from contest.models import Worker
from storage.types import UTCDateTime, utcnow

PLATFORMS = ("dingtalk", "feishu", "wecom")


class WorkerIdentity(SQLModel, table=True):
    """A worker's account on one messenger platform (its user id there)."""

    __tablename__ = "worker_identity"
    __table_args__ = (
        UniqueConstraint("platform", "external_id", name="uq_identity_account"),
        UniqueConstraint("platform", "worker_id", name="uq_identity_worker"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_column=Column(String(16), nullable=False))
    external_id: str = Field(sa_column=Column(String(128), nullable=False))
    worker_id: int = Field(foreign_key="worker.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


async def worker_by_identity(
    session: AsyncSession, *, platform: str, external_id: str
) -> Worker | None:
    """The worker linked to this platform account, if any."""
    stmt = (
        select(Worker)
        .join(WorkerIdentity, col(WorkerIdentity.worker_id) == col(Worker.id))
        .where(
            col(WorkerIdentity.platform) == platform,
            col(WorkerIdentity.external_id) == external_id,
        )
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def link_identity(
    session: AsyncSession, *, platform: str, external_id: str, worker_id: int
) -> bool:
    """Link the account to the worker (flushes, no commit); False when the account or the
    worker was linked already on this platform (the first link stands)."""
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}")
    try:
        async with session.begin_nested():
            session.add(
                WorkerIdentity(platform=platform, external_id=external_id, worker_id=worker_id)
            )
    except IntegrityError:  # either unique key: the first link stands
        return False
    return True
