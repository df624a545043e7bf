"""The groups an enterprise app sits in (钉钉/飞书 群), remembered when someone @-mentions the
app there, so announcements can go into them through the app."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.app_groups import MessengerChat
from storage.upsert import upsert


async def remember_group(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    platform: str,
    conversation_id: str,
    title: str,
) -> None:
    """Record the group (its title kept current), in a short transaction of its own."""
    async with session_factory() as session:
        await upsert(
            session,
            MessengerChat,
            keys={"platform": platform, "conversation_id": conversation_id},
            values={"title": title[:200], "active": True},
            update=["title", "active"],
        )
        await session.commit()
