"""The live final's push: one feed per final, fanned out over server-sent events to the
stage, the host console, the buzzers and the hall's phones (the pattern of :mod:`web.hub`).

A change made in this process pokes the feed, which reads the stage once (one short read
transaction), encodes it twice — the public view, and the host's with the answer — and
queues the bytes to every subscriber; a burst of buzzes costs a read per ``MIN_GAP``, not
one per press. Changes made by another process (the bot on another machine) are seen by a
cheap fingerprint read every ``interval`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.live.view import fingerprint, public_view, stage_view
from storage.types import Clock, utcnow
from web.hub import Feed, Hub, Subscription

logger = logging.getLogger(__name__)

MIN_GAP = 0.01  # seconds between two reads of one final: a burst of presses coalesces


def encode(view: dict[str, Any], seq: int) -> bytes:
    data = json.dumps(view, ensure_ascii=False, separators=(",", ":"))
    return f"id: {seq}\nevent: stage\ndata: {data}\n\n".encode()


class LiveFeed(Feed):
    """One final's stage; a privileged subscriber (the host) sees the answers."""

    def __init__(self, hub: LiveHub, final_id: int) -> None:
        super().__init__()
        self.hub = hub
        self.final_id = final_id
        self.fingerprint: tuple[Any, ...] | None = None
        self.messages: dict[bool, bytes] = {}
        self.seq = 0

    def latest(self, privileged: bool) -> bytes | None:
        return self.messages.get(privileged)

    async def run(self) -> None:
        while self.subscribers and not self.hub.closed:
            try:
                await self.step()
            except Exception:
                logger.exception("live feed of final %s failed", self.final_id)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), self.hub.interval)
            self.changed.clear()
            await asyncio.sleep(MIN_GAP)

    async def step(self) -> bool:
        async with self.hub.session_factory() as session:
            mark = await fingerprint(session, final_id=self.final_id)
            if mark == self.fingerprint and self.messages:
                return False
            host = await stage_view(
                session, final_id=self.final_id, now=self.hub.clock(), for_host=True
            )
        public = public_view(host)
        self.fingerprint = mark
        self.seq += 1
        self.messages = {False: encode(public, self.seq), True: encode(host, self.seq)}
        for sub, for_host in list(self.subscribers.items()):
            sub.offer(self.messages[for_host])
        return True


class LiveHub(Hub[LiveFeed]):
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        interval: float = 0.25,
        clock: Clock = utcnow,
    ) -> None:
        super().__init__(session_factory, interval=interval, clock=clock)
        self.locks: dict[int, asyncio.Lock] = {}

    def new_feed(self, key: int) -> LiveFeed:
        return LiveFeed(self, key)

    def subscribe(
        self, final_id: int, *, host: bool = False
    ) -> AbstractAsyncContextManager[Subscription]:
        return self._subscribe(final_id, Subscription(token=""), host)

    def lock(self, final_id: int) -> asyncio.Lock:
        """The final's presses in this process, taken in the order they were received (an
        asyncio lock is first come, first served), so each press's answer reads its rank
        after every earlier one was counted."""
        found = self.locks.get(final_id)
        if found is None:
            found = self.locks[final_id] = asyncio.Lock()
        return found

    def poke(self, final_id: int) -> None:
        """Something changed on this final here: read it now."""
        feed = self.feeds.get(final_id)
        if feed is not None:
            feed.changed.set()
