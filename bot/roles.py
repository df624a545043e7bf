"""Who may use organiser commands: super-admins from ADMIN_IDS and granted organisers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from contest.models import Organiser


async def is_organiser(
    session: AsyncSession,
    *,
    settings: Settings,
    telegram_id: int,
    competition_id: int | None = None,
) -> bool:
    """True for super-admins, global organisers, and organisers of ``competition_id``."""
    if telegram_id in settings.admin_ids:
        return True
    query = select(Organiser.id).where(Organiser.telegram_id == telegram_id)
    rows = (await session.execute(query.where(Organiser.competition_id.is_(None)))).first()
    if rows is not None:
        return True
    if competition_id is None:
        return (await session.execute(query)).first() is not None
    scoped = query.where(Organiser.competition_id == competition_id)
    return (await session.execute(scoped)).first() is not None
