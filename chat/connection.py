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
from datetime import timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chat.inbox import EventIntake
from storage.lease import acquire_lease, release_lease

logger = logging.getLogger(__name__)

TTL = timedelta(seconds=30)


class Connection(Protocol):
    async def run(self) -> None: ...

    async def stop(self) -> None: ...


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
