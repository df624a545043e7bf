"""Delivering the outbox rows queued for the apps' groups (``dingtalk_app``, ``feishu_app``):
announcement texts and pictures, through the app that sits in the group.

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
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from contest.app_groups import MessengerChat
from contest.outbox import OutboxMessage, OutboxStatus
from storage.types import Clock, utcnow

logger = logging.getLogger(__name__)

Deliver = Callable[[MessengerChat, OutboxMessage], Awaitable[None]]
CLAIM = timedelta(seconds=300)
MAX_TRIES = 6
BACKOFF_SECONDS = 30.0
BATCH = 50


class AppOutbox:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        channel: str,
        deliver: Deliver,
        clock: Clock = utcnow,
        poll: float = 2.0,
    ) -> None:
        self.session_factory, self.channel, self.deliver = session_factory, channel, deliver
        self.clock, self.poll = clock, poll
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                busy = await self.step()
            except Exception:
                logger.exception("%s outbox pass failed", self.channel)
                busy = 0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.poll)

    async def stop(self) -> None:
        self._stopping.set()

    async def step(self) -> int:
        """One pass: claim what is due, deliver it group by group; how many were handled."""
        rows = await self._claim()
        by_group: dict[int, list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            by_group[row.chat_id].append(row)
        await asyncio.gather(
            *(self._serve(group, messages) for group, messages in by_group.items())
        )
        return len(rows)

    async def _serve(self, group_id: int, messages: list[OutboxMessage]) -> None:
        async with self.session_factory() as session:
            group = await session.get(MessengerChat, group_id)
            await session.commit()
        for i, message in enumerate(messages):
            if group is None or not group.active:
                await self._finish(message, OutboxStatus.BLOCKED, "group unknown or unbound")
                continue
            try:
                await self.deliver(group, message)
            except Exception as exc:
                logger.warning("%s row %s to group %s: %s", self.channel, message.id, group_id, exc)
                for later in messages[i:]:  # the group's order holds: the rest waits too
                    await self._retry(later, str(exc)[:500])
                return
            await self._finish(message, OutboxStatus.SENT, None)

    async def _claim(self) -> list[OutboxMessage]:
        now = self.clock()
        async with self.session_factory() as session:
            due = (
                select(col(OutboxMessage.id))
                .where(
                    col(OutboxMessage.channel) == self.channel,
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
