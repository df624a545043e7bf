"""The update intake: every update is stored before it is acknowledged, then handled once.

Telegram forgets an update as soon as it is acknowledged (the next ``getUpdates`` offset, or
the webhook's 200). So the intake first writes each update to the ``inbox`` table — many at
once in one transaction (group commit: a burst of a thousand taps costs a handful of
commits) — and only then lets the poller move its offset or the webhook answer 200. Each
new update is then handled by the dispatcher with the time it reached us (``received_at``)
as its clock, in order within its chat, and marked done in the next batch write.

Nothing is lost and nothing is doubled:

- a replay of an update (Telegram re-sending it, a second process receiving it) finds its
  ``update_id`` already stored and changes nothing;
- an update taken but not yet handled when the process dies (``kill -9``) is still pending in
  the inbox with this process as its owner; a restart of the same instance takes it up at
  once, and other instances take it over when this one stops heartbeating;
- an update whose handling failed on a passing cause (a busy, locked or full database,
  Redis down, Telegram's 429 or the network: :class:`Overloaded`) is retried with backoff
  until it succeeds or stops being useful (``useful_for`` after it arrived, also across a
  restart), its chat's later updates waiting behind it. The worker reads "busy, your tap
  is kept" once; if the update finally cannot be handled they are told so in plain words,
  and the organiser sees it (an error in the log, ``qualityquiz_updates_given_up_total``,
  the doctor). Nothing the worker was told is kept is dropped silently.

A crash between handling and the done mark hands the update to the dispatcher again: the
handlers are idempotent (the answer's conditional write, the attempt and registration
constraints), so its effect is applied once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from pydantic import ValidationError
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from bot.context import Write
from bot.inbox import Arrival, mark, store, tell_given_up, write_later
from bot.models import BotInstance, InboxStatus, InboxUpdate
from bot.sender import reply_deadline
from ops.metrics import count_given_up
from storage.sqlite_driver import inline_statements
from storage.types import Clock, utcnow
from storage.upsert import upsert

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
DEAD_AFTER = timedelta(seconds=30)  # an owner silent this long has stopped: take its updates
KEEP_DONE = timedelta(days=1)  # done rows answer replays for a day, then go
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)  # seconds between tries; the last repeats
USEFUL_FOR = timedelta(minutes=10)  # an update is retried this long after it arrived
MIN_REPLY_WINDOW = 60.0  # seconds a reply may wait on Telegram, even for an old update
STORE_TIMEOUT = 30.0  # seconds a receive waits for the inbox before giving up (no ack)


class Overloaded(Exception):
    """Handling failed on a passing cause (database, Redis, Telegram, network); the update
    is kept and retried."""


def instance_name(mode: str, index: int | None = None) -> str:
    """A stable name for this process, so a restarted one takes up its own pending updates."""
    suffix = "" if index is None else f":{index}"
    return f"{socket.gethostname()}:{mode}{suffix}"[:64]


class Intake:
    """Stores arrivals (group commit), hands new ones to the dispatcher, marks them done."""

    def __init__(
        self,
        dp: Dispatcher,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        instance: str,
        mode: str,
        clock: Clock = utcnow,
        concurrency: int = 512,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        useful_for: timedelta = USEFUL_FOR,
    ) -> None:
        self.dp, self.bot, self.session_factory = dp, bot, session_factory
        self.instance, self.mode, self.clock = instance, mode, clock
        self.retry_delays = tuple(retry_delays)
        self.useful_for = useful_for
        self._semaphore = asyncio.Semaphore(concurrency)
        self._arrivals: list[tuple[list[Arrival], asyncio.Future[set[int]]]] = []
        self._finished: dict[int, InboxStatus] = {}
        self._later: list[Write] = []
        self._wake = asyncio.Event()
        self._stopping = False
        self._background: list[asyncio.Task[None]] = []
        self._handling: set[asyncio.Task[None]] = set()
        self._in_hand: set[int] = set()
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}

    # --- life cycle ----------------------------------------------------------------------
    async def start(self) -> None:
        """Register this instance, take up what a previous life left, start the writers."""
        await self._heartbeat()
        self._background = [
            asyncio.create_task(self._write_loop(), name="inbox-writer"),
            asyncio.create_task(self._keep_alive(), name="inbox-heartbeat"),
        ]
        await self.recover()

    async def stop(self, *, grace: float = 20.0) -> None:
        """Let handlers in progress finish (up to ``grace`` s), store their marks, sign off."""
        if self._handling:
            await asyncio.wait(set(self._handling), timeout=grace)
        self._stopping = True
        self._wake.set()
        for task in self._background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._flush()
        with contextlib.suppress(Exception):
            async with self.session_factory() as session:
                # Signed off: another instance may take over anything left at once.
                await session.execute(
                    update(BotInstance)
                    .where(col(BotInstance.id) == self.instance)
                    .values(heartbeat_at=self.clock() - DEAD_AFTER * 2)
                )
                await session.commit()

    @property
    def busy(self) -> int:
        """Updates being handled, waiting for their chat's turn, or not yet marked done."""
        return len(self._in_hand)

    async def idle(self, *, within: float = 30.0) -> None:
        """Wait until everything received so far is handled and marked (tests, shutdown)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self._in_hand or self._arrivals or self._finished:
            if loop.time() > deadline:
                raise TimeoutError(f"{len(self._in_hand)} update(s) still in hand")
            await asyncio.sleep(0.01)

    # --- taking --------------------------------------------------------------------------
    async def receive(self, arrivals: Sequence[Arrival]) -> int:
        """Store ``arrivals``; once this returns they may be acknowledged. The count of new ones.

        Raises when the database could not store them: the caller must then *not*
        acknowledge (the webhook answers 5xx, the poller keeps its offset) and Telegram
        delivers them again.
        """
        unique = list({a.update_id: a for a in arrivals}.values())
        if not unique:
            return 0
        done: asyncio.Future[set[int]] = asyncio.get_running_loop().create_future()
        self._arrivals.append((unique, done))
        self._wake.set()
        new = await asyncio.wait_for(done, STORE_TIMEOUT)
        for arrival in unique:
            if arrival.update_id in new:
                self._spawn(arrival)
        return len(new)

    async def recover(self) -> int:
        """Take up pending updates of this instance's previous life and of stopped instances."""
        now = self.clock()
        async with self.session_factory() as session:
            live = select(col(BotInstance.id)).where(
                col(BotInstance.heartbeat_at) > now - DEAD_AFTER,
                col(BotInstance.id) != self.instance,
            )
            rows = (
                await session.execute(
                    update(InboxUpdate)
                    .where(
                        col(InboxUpdate.status) == InboxStatus.PENDING,
                        col(InboxUpdate.owner).not_in(live),
                        col(InboxUpdate.update_id).not_in(list(self._in_hand) or [-1]),
                    )
                    .values(owner=self.instance)
                    .returning(
                        col(InboxUpdate.update_id),
                        col(InboxUpdate.payload),
                        col(InboxUpdate.received_at),
                        col(InboxUpdate.tries),
                    )
                    .execution_options(synchronize_session=False)
                )
            ).all()
            await session.commit()
        for update_id, payload, received_at, tries in sorted(rows, key=lambda r: r[0]):
            self._spawn(Arrival(update_id, payload, received_at), tries=tries)
        if rows:
            logger.info("took up %d pending update(s) left by a stopped process", len(rows))
        return len(rows)

    # --- handling ------------------------------------------------------------------------
    def _spawn(self, arrival: Arrival, *, tries: int = 0) -> None:
        if arrival.update_id in self._in_hand:
            return
        self._in_hand.add(arrival.update_id)
        task = asyncio.create_task(self._handle(arrival, tries))
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)

    async def _handle(self, arrival: Arrival, tries: int) -> None:
        try:
            update_obj = Update.model_validate(arrival.payload, context={"bot": self.bot})
        except ValidationError:
            logger.warning("update %s is not a valid Update; kept as failed", arrival.update_id)
            self._finish(arrival.update_id, InboxStatus.FAILED)
            return
        later: list[Write] = []
        async with self._chat_turn(_order_key(update_obj)):
            status = await self._feed(update_obj, arrival, tries, later)
        # Still "in hand" until the mark is stored, so recover() never takes it up again.
        self._later.extend(later)
        self._finish(arrival.update_id, status)

    async def _feed(
        self, update_obj: Update, arrival: Arrival, tries: int, later: list[Write]
    ) -> InboxStatus:
        """Handle the update, retrying passing failures until its deadline."""
        update_id, deadline = arrival.update_id, arrival.received_at + self.useful_for
        loop = asyncio.get_running_loop()
        left = (deadline - self.clock()).total_seconds()
        attempt = tries
        with reply_deadline(loop.time() + max(left, MIN_REPLY_WINDOW)):
            while True:
                try:
                    async with self._semaphore:
                        await self.dp.feed_update(
                            self.bot,
                            update_obj,
                            received_at=arrival.received_at,
                            inbox_tries=attempt,
                            write_later=later,
                        )
                    return InboxStatus.DONE
                except Overloaded as exc:
                    cause = exc.__cause__ or exc
                except Exception:
                    logger.exception("update %s failed outside its handlers", arrival.update_id)
                    return InboxStatus.FAILED
                delay = self.retry_delays[min(attempt - tries, len(self.retry_delays) - 1)]
                attempt += 1
                if self.clock() + timedelta(seconds=delay) > deadline:
                    break
                why = type(cause).__name__
                logger.warning("update %s: %s, retry %d in %.1fs", update_id, why, attempt, delay)
                await asyncio.sleep(delay)
        logger.error(
            "update %s given up after %d tries in %s (last: %r); the worker is told",
            update_id,
            attempt - tries,
            self.useful_for,
            cause,
        )
        count_given_up(type(cause).__name__)
        await tell_given_up(self.bot, update_obj)
        return InboxStatus.FAILED

    @contextlib.asynccontextmanager
    async def _chat_turn(self, key: int) -> AsyncIterator[None]:
        """Updates of one chat are handled one at a time, in the order they arrived."""
        lock, users = self._chats.get(key, (asyncio.Lock(), 0))
        self._chats[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._chats[key]
            if users <= 1:
                del self._chats[key]
            else:
                self._chats[key] = (lock, users - 1)

    def _finish(self, update_id: int, status: InboxStatus) -> None:
        self._finished[update_id] = status
        self._wake.set()

    # --- writing -------------------------------------------------------------------------
    async def _write_loop(self) -> None:
        """One transaction per turn for everything that arrived and finished meanwhile."""
        while not self._stopping:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._flush()
            except Exception:
                logger.exception("inbox write failed; retrying")
                await asyncio.sleep(0.5)
                self._wake.set()

    async def _flush(self) -> None:
        arrivals, self._arrivals = self._arrivals, []
        finished, self._finished = self._finished, {}
        later, self._later = self._later, []
        if not arrivals and not finished:
            return
        try:
            # A batch is a few statements on indexed rows: inline on SQLite, no thread hops.
            with inline_statements():
                new = await self._write(arrivals, finished, later)
        except Exception as exc:
            for _, waiter in arrivals:
                if not waiter.done():
                    waiter.set_exception(exc)
            self._finished = finished | self._finished  # marks are retried with the next turn
            self._later = later + self._later
            raise
        self._in_hand.difference_update(finished)
        for batch, waiter in arrivals:
            if not waiter.done():
                waiter.set_result({a.update_id for a in batch} & new)

    async def _write(
        self,
        arrivals: list[tuple[list[Arrival], asyncio.Future[set[int]]]],
        finished: dict[int, InboxStatus],
        later: list[Write],
    ) -> set[int]:
        async with self.session_factory() as session:
            new = await store(
                session, [a for batch, _ in arrivals for a in batch], owner=self.instance
            )
            await write_later(session, later)
            await mark(session, finished, now=self.clock())
            await session.commit()
        return new

    # --- staying alive -------------------------------------------------------------------
    async def _keep_alive(self) -> None:
        turns = 0
        while not self._stopping:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            turns += 1
            try:
                await self._heartbeat()
                await self.recover()
                if turns % 60 == 0:
                    await self._forget_old()
            except Exception:
                logger.exception("inbox heartbeat failed")

    async def _heartbeat(self) -> None:
        now = self.clock()
        async with self.session_factory() as session:
            await upsert(
                session,
                BotInstance,
                keys={"id": self.instance},
                values={
                    "mode": self.mode,
                    "host": socket.gethostname()[:255],
                    "pid": os.getpid(),
                    "started_at": now,
                    "heartbeat_at": now,
                },
                update=["mode", "host", "pid", "heartbeat_at"],
            )
            await session.commit()

    async def _forget_old(self) -> None:
        async with self.session_factory() as session:
            await session.execute(
                delete(InboxUpdate).where(
                    col(InboxUpdate.status) == InboxStatus.DONE,
                    col(InboxUpdate.done_at) < self.clock() - KEEP_DONE,
                )
            )
            await session.commit()


def _order_key(update_obj: Update) -> int:
    """The chat whose updates must be handled in order (else the update itself)."""
    event = update_obj.event
    chat = getattr(event, "chat", None)
    if chat is not None:
        return int(chat.id)
    message = getattr(event, "message", None)
    if message is not None and getattr(message, "chat", None) is not None:
        return int(message.chat.id)
    user = getattr(event, "from_user", None)
    if user is not None:
        return int(user.id)
    return -int(update_obj.update_id)
