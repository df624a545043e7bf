"""Who may use organiser commands: super-admins from ADMIN_IDS and granted organisers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from contest.organisers import has_grant


async def is_organiser(
    session: AsyncSession,
    *,
    settings: Settings,
    telegram_id: int,
    competition_id: int | None = None,
    global_only: bool = False,
) -> bool:
    """True for super-admins, global organisers, and organisers of ``competition_id``;
    with ``global_only``, only super-admins and organisers of all competitions."""
    if telegram_id in settings.admin_ids:
        return True
    return await has_grant(
        session, telegram_id=telegram_id, competition_id=competition_id, global_only=global_only
    )
