"""The messenger edges' middleware: one :class:`chat.turn.Turn` per event, built the same way
on DingTalk and Feishu, and the after-send bookkeeping; :class:`MessengerBot` runs an event
end to end, so a platform names only its parser, its sender and its renderer.

Who is acting comes from the platform account: the linked worker, else the directory's entry
for the account (工号, mobile, name) placed on the roster by :func:`contest.directory.enrol`,
inside the turn. The directory is asked before the turn's session opens (no connection is
held across a platform call). A refusal (``ContestError``) becomes a card in the worker's
language, and the turn keeps only what the refusal asked to keep.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from chat import flow
from chat.cards import Card
from chat.flow import Incoming, Reply
from chat.groups import remember_group
from chat.inbox import Event
from chat.models import MessengerEvent
from chat.texts import error_text, tr
from chat.turn import Turn, owned
from contest.admin.policy import Actor
from contest.directory import DirectoryEntry, enrol
from contest.errors import ContestError
from contest.identities import worker_by_identity
from contest.models import Worker
from storage.types import Clock, utcnow

logger = logging.getLogger(__name__)

Directory = Callable[[str], Awaitable[DirectoryEntry]]


@dataclass(frozen=True)
class Account:
    """The platform account acting, and the language its client reported (if any)."""

    platform: str
    user_id: str
    lang: str = "zh"


@dataclass(frozen=True)
class Outcome:
    replies: list[Reply]
    lang: str


class Edge:
    """Runs one event's turn for a platform: identity, the flow, refusals, delivery marks."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        directory: Directory,
        tz: str,
        clock: Clock = utcnow,
        slots: int = 4,
        admins: frozenset[str] = frozenset(),
    ) -> None:
        self.admins = admins
        self.session_factory, self.directory, self.tz, self.clock = (
            session_factory,
            directory,
            tz,
            clock,
        )
        # Turns waiting for the database wait here, not in the pool's queue (whose timeout
        # would fail them in a crowd): a few more than the pool's connections at once.
        self._slots = asyncio.Semaphore(slots)

    async def turn(self, account: Account, incoming: Incoming, *, received_at: datetime) -> Outcome:
        """The replies to ``incoming``, committed before anything is sent."""
        async with self.session_factory() as session:
            await self._slots.acquire()
            try:
                worker = await worker_by_identity(
                    session, platform=account.platform, external_id=account.user_id
                )
                entry = None
                if worker is None:  # first contact: ask the directory holding nothing
                    await session.rollback()
                    self._slots.release()
                    try:
                        entry = await self._lookup(account)
                    finally:
                        await self._slots.acquire()
                return await self._run(session, account, incoming, received_at, worker, entry)
            finally:
                self._slots.release()

    async def _run(
        self,
        session: AsyncSession,
        account: Account,
        incoming: Incoming,
        received_at: datetime,
        worker: Worker | None,
        entry: DirectoryEntry | None,
    ) -> Outcome:
        turn = Turn(
            session,
            received_at,
            account.lang,
            self.tz,
            account.platform,
            worker=worker,
            wall=self.clock,
        )
        if worker is not None and worker.language:
            turn.lang = worker.language
        turn.actor = self._actor(account, worker)
        try:
            async with owned(session):
                if entry is not None:
                    enrolled = await enrol(
                        session,
                        platform=account.platform,
                        external_id=account.user_id,
                        entry=entry,
                        language=account.lang,
                        clock=turn.clock,
                    )
                    turn.set_worker(enrolled)
                    turn.actor = self._actor(account, enrolled)
                    incoming = replace(incoming, greet=True)
                replies = await flow.handle(turn, incoming)
        except ContestError as error:
            card = Card(tr("messenger.title.sorry", turn.lang), error_text(error, turn.lang))
            return Outcome([Reply(card)], turn.lang)
        return Outcome(replies, turn.lang)

    def _actor(self, account: Account, worker: Worker | None) -> Actor:
        """A super-admin when listed in MESSENGER_ADMINS, else the grants of the worker's
        Telegram account (none without one)."""
        name = f"{account.platform}:{account.user_id}"
        telegram = worker.telegram_id if worker is not None else None
        return Actor(
            telegram if telegram is not None else 0,
            super_admin=name in self.admins,
            via=account.platform,
            name=name,
        )

    async def _lookup(self, account: Account) -> DirectoryEntry:
        try:
            return await self.directory(account.user_id)
        except Exception:  # no directory entry: enrolled under no name, 待确认
            logger.exception("%s directory lookup failed", account.platform)
            return DirectoryEntry()

    async def delivered(self, replies: list[Reply], *, at: datetime) -> None:
        """The platform accepted the cards: their questions' clocks start at ``at``."""
        if all(r.view is None for r in replies):
            return
        async with self._slots, self.session_factory() as session:
            last = await session.scalar(select(func.max(col(MessengerEvent.id))))
            await flow.delivered(session, replies, at=at, last_seq=int(last or 0))
            await session.commit()

    async def undelivered(self, replies: list[Reply]) -> None:
        """The cards never reached the worker: their questions' clocks have not started."""
        async with self._slots, self.session_factory() as session:
            await flow.undelivered(session, replies)
            await session.commit()


@dataclass(frozen=True)
class Heard:
    """What a platform's parser read from an event: who, what, and the group it came from
    (remembered for announcements). A platform adds where its answer goes."""

    user_id: str
    incoming: Incoming
    group: str | None = None
    group_title: str = ""


class DirectoryApi(Protocol):
    async def user(self, user_id: str, /) -> DirectoryEntry: ...


ApiT = TypeVar("ApiT", bound=DirectoryApi)
HeardT = TypeVar("HeardT", bound=Heard)


class MessengerBot(Generic[ApiT, HeardT]):
    """The intake's handler for one messenger: a platform gives ``hear`` (its parser) and
    ``send`` (one reply out, with its renderer); the turn and delivery marks are shared."""

    platform: str

    def __init__(
        self,
        api: ApiT,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        tz: str,
        clock: Clock = utcnow,
        slots: int = 4,
        admins: frozenset[str] = frozenset(),
    ) -> None:
        self.api, self.session_factory, self.clock = api, session_factory, clock
        self.edge = Edge(
            session_factory, directory=api.user, tz=tz, clock=clock, slots=slots, admins=admins
        )

    def hear(self, event: Event) -> HeardT | None:
        raise NotImplementedError

    async def send(self, reply: Reply, heard: HeardT, *, key: str) -> None:
        raise NotImplementedError

    async def handle(self, event: Event) -> None:
        """One event: its group remembered, the turn, each reply sent (``key`` is the same
        on a retry, so the platform drops a resend), then the questions' clocks started."""
        heard = self.hear(event)
        if heard is None:
            return
        if heard.group is not None:
            await remember_group(
                self.session_factory,
                platform=self.platform,
                conversation_id=heard.group,
                title=heard.group_title,
            )
        account = Account(self.platform, heard.user_id)
        outcome = await self.edge.turn(account, heard.incoming, received_at=event.received_at)
        try:
            for i, reply in enumerate(outcome.replies):
                await self.send(reply, heard, key=f"qq{event.seq}n{i}")
        except Exception:
            await self.edge.undelivered(outcome.replies)
            raise
        await self.edge.delivered(outcome.replies, at=self.clock())
