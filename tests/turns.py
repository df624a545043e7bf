"""Core calls run as an edge runs them: the core never commits, the edge's turn does."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from chat.turn import owned

T = TypeVar("T")


async def turn(session: AsyncSession, work: Awaitable[T]) -> T:
    """``work`` (a core call on ``session``, not yet awaited) in one turn: committed once at
    the end; a refusal is rolled back, keeping only what it asked to keep (an organiser
    action's audit row), and re-raised — :func:`chat.turn.owned`, as every edge uses it."""
    async with owned(session):
        return await work
