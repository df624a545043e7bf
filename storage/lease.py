"""Named leases: one holder at a time across processes, a row with an expiry, renewed often.

The scheduler holds ``scheduler`` (one active scheduler), the team-standings refresher
holds ``standings`` and a polling bot holds ``polling`` (two processes must never poll the
same bot). Works the same on SQLite and PostgreSQL: taking or renewing the lease is a
compare-and-set on the row (``holder`` and ``expires_at`` as last read), so of two racing for an
expired lease exactly one wins. A runner that dies simply stops renewing; another takes over
once the lease has expired.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from storage.types import Clock, UTCDateTime, utcnow
from storage.upsert import insert_for

LEASE_NAME = "scheduler"


class Lease(SQLModel, table=True):
    """Only the holder of an unexpired lease does the lease's work."""

    __tablename__ = "lease"

    name: str = Field(primary_key=True, max_length=50)
    holder: str = Field(max_length=100)
    expires_at: datetime = Field(sa_type=UTCDateTime)


async def acquire_lease(
    session: AsyncSession,
    *,
    holder: str,
    ttl: timedelta,
    clock: Clock = utcnow,
    name: str = LEASE_NAME,
    gone: Callable[[str], bool] | None = None,
) -> bool:
    """Take or renew the lease for ``ttl``; False while another holder's lease is unexpired.

    ``gone(holder)`` may say that the current holder is known to have stopped (a process of
    this machine that no longer runs): its lease is then taken at once, without waiting for
    it to expire. The caller commits at once, before it does the lease's work: a lease is
    only worth something once others can see it (``async with session_factory.begin()``).
    """
    now = clock()
    current = select(Lease).where(col(Lease.name) == name).execution_options(populate_existing=True)
    row = (await session.execute(current)).scalar_one_or_none()
    if row is None:
        result = await session.execute(
            insert_for(session)(Lease)
            .values(name=name, holder=holder, expires_at=now + ttl)
            .on_conflict_do_nothing(index_elements=["name"])
        )
    elif row.holder != holder and row.expires_at > now and not (gone and gone(row.holder)):
        return False
    else:
        result = await session.execute(
            update(Lease)
            .where(
                col(Lease.name) == name,
                col(Lease.holder) == row.holder,
                col(Lease.expires_at) == row.expires_at,
            )
            .values(holder=holder, expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_lease(
    session: AsyncSession, *, holder: str, clock: Clock = utcnow, name: str = LEASE_NAME
) -> None:
    """Give the lease up at once (on a clean stop) so another runner need not wait; the
    caller commits."""
    await session.execute(
        update(Lease)
        .where(col(Lease.name) == name, col(Lease.holder) == holder)
        .values(expires_at=clock())
        .execution_options(synchronize_session=False)
    )
