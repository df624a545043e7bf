"""Ending a unit of work: commit it, or leave it to the caller who commits once for all."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


async def commit_or_flush(session: AsyncSession, *, commit: bool) -> None:
    """Commit (a service called on its own), or flush so ids exist and the caller — an
    organiser action writing its audit row in the same transaction — commits once."""
    if commit:
        await session.commit()
    else:
        await session.flush()
