"""Flipping the pages of every organiser list (◀ 2/12 ▶): one handler for all of them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.types import CallbackQuery, Message

from bot.admin_common import admin_router
from bot.dispatching import call_with
from bot.long_text import ListKind, PageCb
from bot.routers.admin_access import show_audit, show_organisers
from bot.routers.admin_competitions import show_competitions, show_stats
from bot.routers.admin_schedules import show_schedules
from bot.routers.admin_teams import show_teams

router = admin_router(__name__)
SHOWS: dict[ListKind, Callable[..., Awaitable[None]]] = {
    "competitions": show_competitions,
    "stats": show_stats,
    "teams": show_teams,
    "audit": show_audit,
    "organisers": show_organisers,
    "schedules": show_schedules,
}


@router.callback_query(PageCb.filter())
async def flip(query: CallbackQuery, callback_data: PageCb, **data: Any) -> None:
    """Show page ``callback_data.page`` in place of the one pressed on."""
    assert isinstance(query.message, Message)
    await call_with(
        SHOWS[callback_data.kind],
        message=query.message,
        page=callback_data.page,
        edit=True,
        competition_id=callback_data.arg,
        **data,
    )
    await query.answer()
