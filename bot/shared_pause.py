"""A 429 seen by one bot process slows every process of the bot (through Redis).

Telegram's ``retry_after`` holds for the whole bot, but each process only learns of it when
it is refused itself. With REDIS_URL set, a process that gets a 429 records when the pause
ends under one key (only ever moving it later), and every process looks at the key a few
times a second and pauses its own sender until then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from redis.asyncio import Redis

from bot.sender import Pacer

logger = logging.getLogger(__name__)

KEY = "qualityquiz:telegram:paused_until"
POLL_SECONDS = 0.25
# Move the pause's end only later, and let the key vanish once the pause is over.
_LATER = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
"""


class SharedPause:
    def __init__(self, redis: Redis, pacer: Pacer, *, key: str = KEY) -> None:
        self.redis, self.pacer, self.key = redis, pacer, key
        self._tasks: set[asyncio.Task[None]] = set()
        self._script = redis.register_script(_LATER)
        pacer.on_pause.append(self._publish)

    def _publish(self, until: float) -> None:
        task = asyncio.create_task(self._store(until))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _store(self, until: float) -> None:
        ttl_ms = max(int((until - time.time()) * 1000) + 1000, 1000)
        try:
            await self._script(keys=[self.key], args=[f"{until:.3f}", ttl_ms])
        except Exception:
            logger.warning("could not share a 429 pause through Redis", exc_info=True)

    async def run(self, stop: asyncio.Event) -> None:
        """Apply other processes' pauses until ``stop`` is set."""
        while not stop.is_set():
            try:
                value = await self.redis.get(self.key)
                if value is not None and (left := float(value) - time.time()) > 0:
                    self.pacer.pause(left, shared=False)
            except Exception:
                logger.warning("could not read the shared 429 pause", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL_SECONDS)
