"""One process holds a messenger's long connection at a time (a lease per platform).

DingTalk and Feishu both spread events over every connection an app opens; holding one per
app keeps each user's events in one process, in order, and lets the holder take up, when it
starts, whatever a previous holder stored but never finished (``kill -9``: its lease simply
expires). Other processes wait and take over when the holder stops renewing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, Protocol

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chat.inbox import EventIntake
from storage.lease import acquire_lease, release_lease

logger = logging.getLogger(__name__)

TTL = timedelta(seconds=30)


class Connection(Protocol):
    async def run(self) -> None: ...

    async def stop(self) -> None: ...


class Reconnecting:
    """A long connection kept open until :meth:`stop`: each ended or failed connection is
    opened again, at once after a clean end, else after a backoff (2, 4 … 64 s, at most
    ``max_delay``, with a second of jitter). Frames are handled as tasks that :meth:`stop`
    waits for. A platform says how one connection runs (:meth:`connect`)."""

    name = "messenger connection"  # in the logs

    def __init__(self, *, max_delay: float = 60.0) -> None:
        self.max_delay = max_delay
        self._stopping = asyncio.Event()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._frames: set[asyncio.Task[None]] = set()

    async def connect(self) -> None:
        """Open one connection and serve it until it ends."""
        raise NotImplementedError

    async def run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                await self.connect()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                logger.warning("%s: %s; reconnecting", self.name, exc)
            if self._stopping.is_set():
                break
            delay = min(2 ** min(failures, 6), self.max_delay) + random.uniform(0, 1)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay if failures else 0.1)

    async def stop(self) -> None:
        self._stopping.set()
        if self._ws is not None:
            await self._ws.close()
        if self._frames:
            await asyncio.wait(set(self._frames), timeout=10)

    def spawn(self, frame: Coroutine[Any, Any, None]) -> None:
        """Handle a frame beside the others (the socket keeps being read)."""
        task = asyncio.create_task(frame)
        self._frames.add(task)
        task.add_done_callback(self._frames.discard)


async def hold_and_run(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    platform: str,
    holder: str,
    intake: EventIntake,
    connection: Connection,
    stop: asyncio.Event,
) -> None:
    """Wait for the platform's lease, then run its intake and connection until ``stop``
    (or until the lease is lost), renewing the lease meanwhile."""
    name = f"messenger:{platform}"
    while not stop.is_set():
        if await _take(session_factory, holder, name):
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), TTL.total_seconds() / 3)
    if stop.is_set():
        return
    logger.info("%s: connection lease taken by %s", platform, holder)
    await intake.start()
    task = asyncio.create_task(connection.run(), name=f"{platform}-connection")
    try:
        while not stop.is_set() and not task.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TTL.total_seconds() / 3)
            try:
                if not await _take(session_factory, holder, name):
                    logger.error("%s: lost the connection lease; stopping", platform)
                    break
            except Exception:
                logger.exception("%s: could not renew the connection lease", platform)
    finally:
        await connection.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        await intake.stop()
        with contextlib.suppress(Exception):
            async with session_factory.begin() as session:
                await release_lease(session, holder=holder, name=name)


async def _take(session_factory: async_sessionmaker[AsyncSession], holder: str, name: str) -> bool:
    async with session_factory.begin() as session:
        return await acquire_lease(session, holder=holder, ttl=TTL, name=name)


class Together:
    """Several loops run and stopped as one connection (the long connection, and the
    outbox of the app's groups beside it)."""

    def __init__(self, *parts: Connection) -> None:
        self.parts = parts

    async def run(self) -> None:
        await asyncio.gather(*(part.run() for part in self.parts))

    async def stop(self) -> None:
        for part in self.parts:
            await part.stop()
