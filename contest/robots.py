"""Group robots (群机器人) of WeCom, DingTalk and Feishu that receive a competition's
announcements beside its Telegram groups (/bind_webhook).

A robot is a webhook URL (WeCom's carries its key; DingTalk's its access token) and, for
DingTalk and Feishu, an optional signing secret. Both are secrets: they are stored because
delivery needs them, and never logged or shown back in full (:func:`masked`). Announcements
queue one outbox row per robot with ``channel`` set to the platform and ``chat_id`` to the
robot's id; ``scheduler.delivery`` speaks each platform's format.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args
from urllib.parse import urlsplit

from sqlalchemy import Column, Index, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from contest.app_groups import app_channel, app_groups
from contest.competitions import require_competition
from contest.errors import ContestError
from contest.models import ChatBinding
from storage.ids import id_of
from storage.types import Clock, UTCDateTime, utcnow

Platform = Literal["wecom", "dingtalk", "feishu"]
PLATFORMS: tuple[str, ...] = get_args(Platform)
TELEGRAM = "telegram"
# The hosts each platform's robots live on; a URL elsewhere is refused, so a robot binding
# can never make the server post announcements (or its secret) to an arbitrary address.
HOSTS: dict[str, tuple[str, ...]] = {
    "wecom": ("qyapi.weixin.qq.com",),
    "dingtalk": ("oapi.dingtalk.com",),
    "feishu": ("open.feishu.cn", "open.larksuite.com"),
}


class WebhookRobot(SQLModel, table=True):
    """A WeCom / DingTalk / Feishu group robot bound to a competition's announcements."""

    __tablename__ = "webhook_robot"
    __table_args__ = (Index("ix_webhook_robot_competition", "competition_id"),)

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="competition.id", ondelete="CASCADE")
    platform: str = Field(max_length=16)
    url: str = Field(sa_column=Column(Text, nullable=False))
    secret: str | None = Field(default=None, sa_column=Column(Text))
    language: str = Field(default="zh", max_length=8)
    active: bool = True
    created_by: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


@dataclass(frozen=True)
class Target:
    """Somewhere an announcement goes: a Telegram chat, or a robot (``chat_id`` = its id)."""

    channel: str
    chat_id: int
    language: str


def check_robot_url(platform: str, url: str, *, extra_hosts: Collection[str] = ()) -> str:
    """The URL if it is an https address of the platform's robots, or any address on one of
    ``extra_hosts`` (a plant's own 私有化 server; ROBOT_EXTRA_HOSTS); else ``robot_bad_url``."""
    if platform not in PLATFORMS:
        raise ContestError("robot_bad_platform", platform=platform[:20])
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    known = parts.scheme == "https" and host in HOSTS[platform]
    extra = parts.scheme in ("http", "https") and host in extra_hosts
    if not (known or extra):
        raise ContestError("robot_bad_url", platform=platform, hosts=", ".join(HOSTS[platform]))
    return url.strip()


def masked(url: str) -> str:
    """A robot's URL safe to show or log: host and path start, no key or token."""
    parts = urlsplit(url)
    path = parts.path if len(parts.path) <= 24 else parts.path[:16] + "…"
    return f"{parts.hostname or ''}{path}"


async def bind_robot(
    session: AsyncSession,
    *,
    competition_id: int,
    platform: str,
    url: str,
    secret: str | None,
    language: str,
    created_by: int,
    extra_hosts: Collection[str] = (),
    clock: Clock = utcnow,
) -> WebhookRobot:
    """Bind a robot (binding the same URL again updates its secret and language; flushes)."""
    url = check_robot_url(platform, url, extra_hosts=extra_hosts)
    await require_competition(session, competition_id=competition_id)
    robot = (
        await session.execute(
            select(WebhookRobot).where(
                col(WebhookRobot.competition_id) == competition_id, col(WebhookRobot.url) == url
            )
        )
    ).scalar_one_or_none()
    if robot is None:
        robot = WebhookRobot(
            competition_id=competition_id,
            platform=platform,
            url=url,
            created_by=created_by,
            created_at=clock(),
        )
        session.add(robot)
    robot.secret, robot.language, robot.active = (secret or None), language, True
    await session.flush()
    return robot


async def unbind_robots(session: AsyncSession, *, competition_id: int) -> int:
    """Stop every robot of the competition; how many were active (flushes)."""
    result = await session.execute(
        update(WebhookRobot)
        .where(col(WebhookRobot.competition_id) == competition_id, col(WebhookRobot.active))
        .values(active=False)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def robots_of(session: AsyncSession, *, competition_id: int) -> list[WebhookRobot]:
    query = select(WebhookRobot).where(
        col(WebhookRobot.competition_id) == competition_id, col(WebhookRobot.active)
    )
    return list((await session.execute(query.order_by(col(WebhookRobot.id)))).scalars())


async def mark_robot_unreachable(session: AsyncSession, *, robot_id: int) -> None:
    """The platform says this robot is gone (removed from its group): stop sending to it."""
    await session.execute(
        update(WebhookRobot).where(col(WebhookRobot.id) == robot_id).values(active=False)
    )


async def bound_targets(session: AsyncSession, *, competition_id: int) -> list[Target]:
    """Every active place the competition announces to: Telegram chats, robots, then the
    groups of the messengers' apps (:mod:`contest.app_groups`)."""
    chats = await session.execute(
        select(col(ChatBinding.chat_id), col(ChatBinding.language)).where(
            col(ChatBinding.competition_id) == competition_id, col(ChatBinding.active).is_(True)
        )
    )
    targets = sorted(
        {Target(TELEGRAM, chat_id, lang) for chat_id, lang in chats.all()},
        key=lambda t: (t.chat_id, t.language),
    )
    robots = await robots_of(session, competition_id=competition_id)
    targets += [Target(r.platform, id_of(r), r.language) for r in robots]
    groups = await app_groups(session, competition_id=competition_id)
    targets += [Target(app_channel(g.platform), id_of(g), g.language) for g in groups]
    return targets


def dedup_suffix(target: Target) -> str:
    """The part of an outbox dedup key naming the target (Telegram's keys stay as they were)."""
    if target.channel == TELEGRAM:
        return str(target.chat_id)
    return f"{target.channel}{target.chat_id}"
