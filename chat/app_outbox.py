"""Delivering the outbox rows queued for a messenger's app: announcement texts and pictures
into its groups (``<platform>_app``), results at the close to a worker's private chat with
the app (``<platform>_user``): the result with a button to the worker's result page, the
错题回顾, and the certificate or participation card, drawn here from its queued data.

The process holding the platform's connection runs this beside it (the scheduler's sender
leaves these rows alone). Rows are claimed as the scheduler claims its own (a claim expires,
so a row whose sender died goes again), each group's in order; the platform client waits
out throttles itself, so a failure here is the platform refusing or unreachable: it is
retried with backoff a few times, then kept as failed with its error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from contest.app_groups import MessengerChat, app_channel, user_channel
from contest.identities import WorkerIdentity
from contest.outbox import OutboxMessage, OutboxStatus, payload_of
from scheduler.certificate import CannotDraw, draw_queued
from storage.ids import id_of
from storage.types import Clock, utcnow

logger = logging.getLogger(__name__)

Deliver = Callable[["Target", "Outgoing"], Awaitable[None]]
DRAWN = frozenset({"certificate", "card"})


@dataclass(frozen=True)
class Target:
    """Where a row goes on the platform: a group's conversation id, or a user's account id."""

    group: bool
    to: str


@dataclass(frozen=True)
class Outgoing:
    """A row as the platform sends it: ``text`` (Telegram HTML, as queued), ``photo`` (the
    PNG in ``picture``, with ``text`` its caption) or ``note`` (``text`` with a button
    ``label`` that opens ``url``); ``id`` names it, so a resend is the same message."""

    id: int
    kind: str
    text: str
    picture: bytes | None = None
    url: str = ""
    label: str = ""


async def outgoing(message: OutboxMessage) -> Outgoing:
    """What a row sends: a queued certificate or card drawn now (:class:`CannotDraw` when
    its data is broken), a text with its first link button (``buttons`` in its payload)."""
    row = id_of(message)
    if message.kind in DRAWN:
        picture = await draw_queued(message.kind, message.payload)
        return Outgoing(row, "photo", message.text, picture)
    if message.kind == "photo":
        return Outgoing(row, "photo", message.text, message.payload)
    links = [b for row in payload_of(message).get("buttons") or [] for b in row if "url" in b]
    if links:  # the apps show one link button (Telegram's deep links mean nothing here)
        button = links[0]
        return Outgoing(
            row, "note", message.text, url=str(button["url"]), label=str(button["text"])
        )
    return Outgoing(row, "text", message.text)


CLAIM = timedelta(seconds=300)
MAX_TRIES = 6
BACKOFF_SECONDS = 30.0
BATCH = 50


class AppOutbox:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        platform: str,
        deliver: Deliver,
        clock: Clock = utcnow,
        poll: float = 2.0,
        groups: bool = True,
    ) -> None:
        self.session_factory, self.platform, self.deliver = session_factory, platform, deliver
        # Without the app's bot here (企业微信; 钉钉 without its card template) only the
        # workers' private chats are served: nobody could have bound a group.
        mine = [user_channel(platform)]
        self.channels = tuple([app_channel(platform), *mine] if groups else mine)
        self.clock, self.poll = clock, poll
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                busy = await self.step()
            except Exception:
                logger.exception("%s outbox pass failed", self.platform)
                busy = 0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.poll)

    async def stop(self) -> None:
        self._stopping.set()

    async def step(self) -> int:
        """One pass: claim what is due, deliver it chat by chat; how many were handled."""
        rows = await self._claim()
        by_chat: dict[tuple[str, int], list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            by_chat[(row.channel, row.chat_id)].append(row)
        await asyncio.gather(
            *(self._serve(channel, chat, messages) for (channel, chat), messages in by_chat.items())
        )
        return len(rows)

    async def _serve(self, channel: str, chat_id: int, messages: list[OutboxMessage]) -> None:
        target = await self._target(channel, chat_id)
        for i, message in enumerate(messages):
            if target is None:
                await self._finish(message, OutboxStatus.BLOCKED, "group or account unknown")
                continue
            try:
                await self.deliver(target, await outgoing(message))
            except CannotDraw as exc:
                logger.exception("%s row %s: picture could not be drawn", channel, message.id)
                await self._finish(message, OutboxStatus.FAILED, str(exc)[:500])
                continue
            except Exception as exc:
                logger.warning("%s row %s: %s", channel, message.id, exc)
                for later in messages[i:]:  # the chat's order holds: the rest waits too
                    await self._retry(later, str(exc)[:500])
                return
            await self._finish(message, OutboxStatus.SENT, None)

    async def _target(self, channel: str, chat_id: int) -> Target | None:
        async with self.session_factory() as session:
            if channel.endswith("_app"):
                group = await session.get(MessengerChat, chat_id)
                await session.commit()
                return Target(True, group.conversation_id) if group and group.active else None
            account = await session.scalar(
                select(col(WorkerIdentity.external_id)).where(
                    col(WorkerIdentity.platform) == self.platform,
                    col(WorkerIdentity.worker_id) == chat_id,
                )
            )
            await session.commit()
        return None if account is None else Target(False, account)

    async def _claim(self) -> list[OutboxMessage]:
        now = self.clock()
        async with self.session_factory() as session:
            due = (
                select(col(OutboxMessage.id))
                .where(
                    col(OutboxMessage.channel).in_(self.channels),
                    col(OutboxMessage.status) == OutboxStatus.PENDING,
                    col(OutboxMessage.next_attempt_at) <= now,
                )
                .order_by(col(OutboxMessage.id))
                .limit(BATCH)
            )
            ids = list((await session.execute(due)).scalars())
            if not ids:
                await session.commit()
                return []
            claimed = list(
                (
                    await session.execute(
                        update(OutboxMessage)
                        .where(
                            col(OutboxMessage.id).in_(ids),
                            col(OutboxMessage.status) == OutboxStatus.PENDING,
                            col(OutboxMessage.next_attempt_at) <= now,
                        )
                        .values(next_attempt_at=now + CLAIM, tries=col(OutboxMessage.tries) + 1)
                        .returning(col(OutboxMessage.id))
                        .execution_options(synchronize_session=False)
                    )
                ).scalars()
            )
            rows = (
                await session.execute(
                    select(OutboxMessage)
                    .where(col(OutboxMessage.id).in_(claimed))
                    .order_by(col(OutboxMessage.id))
                )
            ).scalars()
            found = list(rows)
            await session.commit()
        return found

    async def _finish(
        self, message: OutboxMessage, status: OutboxStatus, error: str | None
    ) -> None:
        async with self.session_factory() as session:
            await session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == message.id)
                .values(
                    status=status.value,
                    last_error=error,
                    sent_at=self.clock() if status is OutboxStatus.SENT else None,
                )
                .execution_options(synchronize_session=False)
            )
            await session.commit()

    async def _retry(self, message: OutboxMessage, error: str) -> None:
        if message.tries >= MAX_TRIES:
            await self._finish(message, OutboxStatus.FAILED, error)
            return
        delay = BACKOFF_SECONDS * 2 ** max(message.tries - 1, 0)
        async with self.session_factory() as session:
            await session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == message.id)
                .values(next_attempt_at=self.clock() + timedelta(seconds=delay), last_error=error)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
