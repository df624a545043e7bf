"""Groups an enterprise messenger's app sits in (钉钉/飞书 群), as places announcements go.

A group is remembered when someone @-mentions the app there; an organiser binds it to a
competition (``绑定 <id>`` in the group), and from then on the competition's announcements —
the scheduled leaderboard pictures and texts, open and close notices, and what an organiser
announces with ``公告`` — are queued for it in the outbox with ``channel`` ``<platform>_app``
and ``chat_id`` this row's id. A worker who takes part through a messenger gets their result
at the close in its private chat (``<platform>_user``, ``chat_id`` the worker). The
messenger's own process delivers those rows through the app (the scheduler's sender leaves
them alone).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from contest.admin.audit import counted, outcome, perform
from contest.admin.policy import Actor
from contest.competitions import require_competition
from contest.errors import ContestError
from contest.identities import WorkerIdentity
from contest.outbox import APP_CHANNELS, enqueue
from storage.types import Clock, UTCDateTime, utcnow

TEXT_LIMIT = 3500


def app_channel(platform: str) -> str:
    """The outbox channel of the platform's groups."""
    channel = f"{platform}_app"
    assert channel in APP_CHANNELS
    return channel


def user_channel(platform: str) -> str:
    """The outbox channel of the platform's private chats (``chat_id``: the worker)."""
    channel = f"{platform}_user"
    assert channel in APP_CHANNELS
    return channel


async def messenger_accounts(
    session: AsyncSession, *, worker_ids: list[int]
) -> dict[int, list[str]]:
    """The messenger platforms each worker is linked on (where a result can reach them)."""
    found: dict[int, list[str]] = {}
    for start in range(0, len(worker_ids), 500):
        rows = await session.execute(
            select(col(WorkerIdentity.worker_id), col(WorkerIdentity.platform))
            .where(col(WorkerIdentity.worker_id).in_(worker_ids[start : start + 500]))
            .order_by(col(WorkerIdentity.platform))
        )
        for worker_id, platform in rows.all():
            found.setdefault(worker_id, []).append(platform)
    return found


class MessengerChat(SQLModel, table=True):
    """A group chat the app is in (seen when someone @-mentioned it there), and the
    competition whose announcements go into it (set by an organiser, ``绑定``)."""

    __tablename__ = "messenger_chat"
    __table_args__ = (UniqueConstraint("platform", "conversation_id", name="uq_messenger_chat"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(sa_column=Column(String(16), nullable=False))
    conversation_id: str = Field(sa_column=Column(String(128), nullable=False))
    title: str = Field(default="", max_length=200)
    competition_id: int | None = Field(default=None, foreign_key="competition.id", index=True)
    language: str = Field(default="zh", max_length=8)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


async def group_of(
    session: AsyncSession, *, platform: str, conversation_id: str
) -> MessengerChat | None:
    return (
        await session.execute(
            select(MessengerChat).where(
                col(MessengerChat.platform) == platform,
                col(MessengerChat.conversation_id) == conversation_id,
            )
        )
    ).scalar_one_or_none()


async def bind_group(
    session: AsyncSession,
    *,
    actor: Actor,
    platform: str,
    conversation_id: str,
    competition_id: int,
    language: str,
    clock: Clock,
) -> bool:
    """The group receives ``competition_id``'s announcements; False when it did already."""

    async def work() -> bool:
        await require_competition(session, competition_id=competition_id)
        group = await group_of(session, platform=platform, conversation_id=conversation_id)
        if group is None:
            raise ContestError("group_unknown")
        changed = group.competition_id != competition_id or not group.active
        group.competition_id, group.language, group.active = competition_id, language, True
        await session.flush()
        return changed

    return await perform(
        session,
        actor,
        "chat.bind",
        work,
        competition_id=competition_id,
        detail={"platform": platform, "group": conversation_id[:64]},
        describe=lambda changed: outcome(changed),
        clock=clock,
    )


async def app_groups(session: AsyncSession, *, competition_id: int) -> list[MessengerChat]:
    rows = await session.execute(
        select(MessengerChat)
        .where(col(MessengerChat.competition_id) == competition_id, col(MessengerChat.active))
        .order_by(col(MessengerChat.id))
    )
    return list(rows.scalars())


async def announce(
    session: AsyncSession,
    *,
    actor: Actor,
    competition_id: int,
    text: str,
    key: str,
    clock: Clock,
) -> int:
    """Queue ``text`` for every group bound to the competition (the apps' groups, Telegram
    groups and robots alike); how many rows were new. ``key`` names the announcement, so
    queueing it again adds nothing."""
    from contest.robots import bound_targets, dedup_suffix  # robots imports this module

    if not text.strip() or len(text) > TEXT_LIMIT:
        raise ContestError("bad_broadcast_text", limit=TEXT_LIMIT, count=TEXT_LIMIT)

    async def work() -> int:
        await require_competition(session, competition_id=competition_id)
        queued = 0
        for target in await bound_targets(session, competition_id=competition_id):
            queued += await enqueue(
                session,
                dedup_key=f"announce:{key}:{dedup_suffix(target)}",
                chat_id=target.chat_id,
                channel=target.channel,
                text=text,
                clock=clock,
            )
        return queued

    return await perform(
        session,
        actor,
        "broadcast.queue",
        work,
        competition_id=competition_id,
        detail={"key": key},
        describe=counted("queued"),
        clock=clock,
    )
