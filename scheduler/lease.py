"""One active scheduler across processes: a lease row with an expiry, renewed every tick.

Works the same on SQLite and PostgreSQL: taking or renewing the lease is a compare-and-set
on the row (``holder`` and ``expires_at`` as last read), so of two runners racing for an
expired lease exactly one wins. A runner that dies simply stops renewing; another takes over
once the lease has expired.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from scheduler.models import SchedulerLease
from scheduler.sql import insert_for
from storage.types import Clock, utcnow

LEASE_NAME = "scheduler"


async def acquire_lease(
    session: AsyncSession,
    *,
    holder: str,
    ttl: timedelta,
    clock: Clock = utcnow,
    name: str = LEASE_NAME,
) -> bool:
    """Take or renew the lease for ``ttl``; False while another holder's lease is unexpired.

    Commits (a lease is only worth something once others can see it).
    """
    now = clock()
    row = (
        await session.execute(select(SchedulerLease).where(col(SchedulerLease.name) == name))
    ).scalar_one_or_none()
    if row is None:
        result = await session.execute(
            insert_for(session)(SchedulerLease)
            .values(name=name, holder=holder, expires_at=now + ttl)
            .on_conflict_do_nothing(index_elements=["name"])
        )
    elif row.holder != holder and row.expires_at > now:
        await session.rollback()
        return False
    else:
        result = await session.execute(
            update(SchedulerLease)
            .where(
                col(SchedulerLease.name) == name,
                col(SchedulerLease.holder) == row.holder,
                col(SchedulerLease.expires_at) == row.expires_at,
            )
            .values(holder=holder, expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        )
    await session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_lease(
    session: AsyncSession, *, holder: str, clock: Clock = utcnow, name: str = LEASE_NAME
) -> None:
    """Give the lease up at once (on a clean stop) so another runner need not wait."""
    await session.execute(
        update(SchedulerLease)
        .where(col(SchedulerLease.name) == name, col(SchedulerLease.holder) == holder)
        .values(expires_at=clock())
        .execution_options(synchronize_session=False)
    )
    await session.commit()
