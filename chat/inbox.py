"""The messenger intake: an event is stored before its frame is acknowledged, then handled
once, in order per user, with the time it reached us as its clock.

DingTalk redelivers an unacknowledged frame and Feishu an unanswered event, and both forget
it once acknowledged; so :meth:`EventIntake.receive` returns only after the event is in the
``messenger_event`` table (many arrivals share one commit), and the connection acknowledges
then, long before the work is done (Feishu's 3 s deadline). The handler runs afterwards;
the event is marked done in a later batch.

- a redelivered event (same platform and event id) is stored once and handled once;
- one process holds a platform's connection (a lease, :mod:`chat.connection`), so the
  holder takes up at start whatever a previous holder left pending (``kill -9``);
- the handlers are idempotent (the core's answer and registration constraints), so a crash
  between handling and the done mark applies the event's effect once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from chat.models import EventStatus, MessengerEvent
from storage.types import Clock, utcnow

logger = logging.getLogger(__name__)

_EVENTS = MessengerEvent.__table__  # type: ignore[attr-defined]
_INSERT = insert(_EVENTS)
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)  # seconds, for a database without a free connection
STORE_TIMEOUT = 30.0  # seconds a frame waits for the inbox before it goes unacknowledged
KEEP_DONE = timedelta(days=1)


@dataclass(frozen=True)
class Event:
    """An event as it reached us: its inbox number (``seq``), platform id, JSON, time."""

    seq: int
    event_id: str
    payload: dict[str, Any]
    received_at: datetime


Handler = Callable[[Event], Awaitable[None]]
KeyOf = Callable[[dict[str, Any]], str]


class EventIntake:
    """Stores arrivals (group commit), hands new ones to ``handler``, marks them done."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        platform: str,
        instance: str,
        handler: Handler,
        key_of: KeyOf,
        clock: Clock = utcnow,
        concurrency: int = 256,
    ) -> None:
        self.session_factory, self.platform, self.instance = session_factory, platform, instance
        self.handler, self.key_of, self.clock = handler, key_of, clock
        self._semaphore = asyncio.Semaphore(concurrency)
        self._arrivals: list[tuple[str, dict[str, Any], datetime, asyncio.Future[int | None]]] = []
        self._finished: dict[int, EventStatus] = {}
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._handling: set[asyncio.Task[None]] = set()
        self._in_hand: set[int] = set()
        self._keys: dict[str, tuple[asyncio.Lock, int]] = {}

    async def start(self) -> None:
        """Start the writer and take up what earlier holders of the connection left."""
        self._writer = asyncio.create_task(self._write_loop(), name=f"{self.platform}-inbox")
        await self.recover()

    async def stop(self, *, grace: float = 20.0) -> None:
        if self._handling:
            await asyncio.wait(set(self._handling), timeout=grace)
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        await self._flush()

    async def idle(self, *, within: float = 60.0) -> None:
        """Wait until everything received so far is handled and marked (tests, shutdown)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self._in_hand or self._arrivals or self._finished:
            if loop.time() > deadline:
                raise TimeoutError(f"{len(self._in_hand)} event(s) still in hand")
            await asyncio.sleep(0.01)

    async def receive(self, event_id: str, payload: dict[str, Any]) -> bool:
        """Store the event (timed now); once this returns it may be acknowledged. Whether it
        was new. Raises when the database could not store it: do not acknowledge then."""
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._arrivals.append((event_id, payload, self.clock(), future))
        self._wake.set()
        seq = await asyncio.wait_for(future, STORE_TIMEOUT)
        return seq is not None

    async def receive_event(self, event_id: str, payload: dict[str, Any]) -> None:
        """:meth:`receive` for a connection that only needs it stored."""
        await self.receive(event_id, payload)

    async def recover(self) -> int:
        """Take up this platform's pending events (the connection's lease is ours)."""
        async with self.session_factory() as session:
            rows = (
                await session.execute(
                    update(MessengerEvent)
                    .where(
                        col(MessengerEvent.platform) == self.platform,
                        col(MessengerEvent.status) == EventStatus.PENDING,
                        col(MessengerEvent.id).not_in(list(self._in_hand) or [-1]),
                    )
                    .values(owner=self.instance)
                    .returning(
                        col(MessengerEvent.id),
                        col(MessengerEvent.event_id),
                        col(MessengerEvent.payload),
                        col(MessengerEvent.received_at),
                    )
                    .execution_options(synchronize_session=False)
                )
            ).all()
            await session.commit()
        for seq, event_id, payload, received_at in sorted(rows, key=lambda r: r[0]):
            self._spawn(Event(seq, event_id, payload, received_at))
        if rows:
            logger.info("%s: took up %d pending event(s)", self.platform, len(rows))
        return len(rows)

    # --- handling ------------------------------------------------------------------------
    def _spawn(self, event: Event) -> None:
        if event.seq in self._in_hand:
            return
        self._in_hand.add(event.seq)
        task = asyncio.create_task(self._handle(event))
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)

    async def _handle(self, event: Event) -> None:
        async with self._in_order(self.key_of(event.payload)), self._semaphore:
            status = await self._try(event)
        self._finished[event.seq] = status
        self._wake.set()

    async def _try(self, event: Event) -> EventStatus:
        """Handle the event; a database too busy to give a connection in time is waited
        out (the turn rolled back, so trying again changes nothing twice)."""
        for delay in (*RETRY_DELAYS, None):
            try:
                await self.handler(event)
                return EventStatus.DONE
            except PoolTimeout:
                if delay is None:
                    break
                logger.warning(
                    "%s event %s: database busy, retry in %.1fs",
                    self.platform,
                    event.event_id,
                    delay,
                )
                await asyncio.sleep(delay)
            except Exception:
                logger.exception("%s event %s failed", self.platform, event.event_id)
                return EventStatus.FAILED
        logger.error("%s event %s: database still busy", self.platform, event.event_id)
        return EventStatus.FAILED

    @contextlib.asynccontextmanager
    async def _in_order(self, key: str) -> AsyncIterator[None]:
        """One user's events are handled one at a time, in the order they arrived."""
        lock, users = self._keys.get(key, (asyncio.Lock(), 0))
        self._keys[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._keys[key]
            if users <= 1:
                del self._keys[key]
            else:
                self._keys[key] = (lock, users - 1)

    # --- writing -------------------------------------------------------------------------
    async def _write_loop(self) -> None:
        turns = 0
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._flush()
            except Exception:
                logger.exception("%s inbox write failed; retrying", self.platform)
                await asyncio.sleep(0.5)
                self._wake.set()
            turns += 1
            if turns % 5000 == 0:
                with contextlib.suppress(Exception):
                    await self._forget_old()

    async def _flush(self) -> None:
        arrivals, self._arrivals = self._arrivals, []
        finished, self._finished = self._finished, {}
        if not arrivals and not finished:
            return
        try:
            async with self.session_factory() as session:
                new = await self._store(session, arrivals)
                await self._mark(session, finished)
                await session.commit()
        except Exception as exc:
            for *_, waiter in arrivals:
                if not waiter.done():
                    waiter.set_exception(exc)
            self._finished = finished | self._finished
            raise
        self._in_hand.difference_update(finished)
        for event_id, payload, received_at, waiter in arrivals:
            seq = new.pop(event_id, None)
            if not waiter.done():
                waiter.set_result(seq)
            if seq is not None:
                self._spawn(Event(seq, event_id, payload, received_at))

    async def _store(
        self,
        session: AsyncSession,
        arrivals: list[tuple[str, dict[str, Any], datetime, asyncio.Future[int | None]]],
    ) -> dict[str, int]:
        """Insert the events not stored yet; their inbox numbers by event id."""
        unique = {event_id: (payload, at) for event_id, payload, at, _ in arrivals}
        if not unique:
            return {}
        known = set(
            (
                await session.execute(
                    select(col(MessengerEvent.event_id)).where(
                        col(MessengerEvent.platform) == self.platform,
                        col(MessengerEvent.event_id).in_(list(unique)),
                    )
                )
            ).scalars()
        )
        rows = [
            {
                "platform": self.platform,
                "event_id": event_id,
                "payload": payload,
                "received_at": at,
                "owner": self.instance,
                "status": EventStatus.PENDING.value,
            }
            for event_id, (payload, at) in unique.items()
            if event_id not in known
        ]
        if not rows:
            return {}
        try:  # in arrival order: so are the numbers
            async with session.begin_nested():
                await session.execute(_INSERT, rows)
        except IntegrityError:  # another process stored one a moment ago (PostgreSQL)
            for row in rows:
                try:
                    async with session.begin_nested():
                        await session.execute(_INSERT, [row])
                except IntegrityError:
                    row["event_id"] = None
        ids = [row["event_id"] for row in rows if row["event_id"] is not None]
        numbers = await session.execute(
            select(col(MessengerEvent.event_id), col(MessengerEvent.id)).where(
                col(MessengerEvent.platform) == self.platform,
                col(MessengerEvent.event_id).in_(ids),
            )
        )
        new = {str(event_id): int(seq) for event_id, seq in numbers.all()}
        return new

    async def _mark(self, session: AsyncSession, finished: dict[int, EventStatus]) -> None:
        for status in (EventStatus.DONE, EventStatus.FAILED):
            ids = [seq for seq, s in finished.items() if s is status]
            if ids:
                await session.execute(
                    update(MessengerEvent)
                    .where(col(MessengerEvent.id).in_(ids))
                    .values(status=status.value, done_at=self.clock())
                    .execution_options(synchronize_session=False)
                )

    async def _forget_old(self) -> None:
        async with self.session_factory() as session:
            await session.execute(
                delete(MessengerEvent).where(
                    col(MessengerEvent.status) == EventStatus.DONE,
                    col(MessengerEvent.done_at) < self.clock() - KEEP_DONE,
                )
            )
            await session.commit()
