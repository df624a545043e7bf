"""Chats we can no longer reach: a worker who blocked the bot, a group that removed it."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.models import ChatBinding, Worker


async def mark_chat_unreachable(session: AsyncSession, *, chat_id: int) -> None:
    """Stop sending to ``chat_id``: the worker becomes inactive, group bindings inactive."""
    await session.execute(
        update(Worker).where(col(Worker.telegram_id) == chat_id).values(active=False)
    )
    await session.execute(
        update(ChatBinding).where(col(ChatBinding.chat_id) == chat_id).values(active=False)
    )
    await session.commit()


async def mark_chat_reachable(session: AsyncSession, *, chat_id: int) -> None:
    """A worker who writes to the bot again is active again."""
    await session.execute(
        update(Worker).where(col(Worker.telegram_id) == chat_id).values(active=True)
    )
    await session.commit()
