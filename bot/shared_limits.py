"""Telegram's limits kept by all the bot's processes together (through Redis).

Telegram counts per bot and per chat, not per process. With REDIS_URL set:

- **A 429 slows every process.** ``retry_after`` holds for the whole bot, but each process
  only learns of it when it is refused itself. A process that gets a 429 records when the
  pause ends under one key (only ever moving it later), and every process looks at the key
  a few times a second and pauses its own sender until then.
- **One budget for the bot, one for each chat, whichever process sends.** A worker's taps
  land on any process behind the port, and each process has its own 30/s bucket. Before a
  message leaves, its process reserves the bot's next slot and the chat's next slot (one
  atomic script each, the same GCRA as :mod:`bot.pacing`) and waits for them. A Redis that
  fails or is slow costs nothing but the sharing: the process's own buckets still hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from redis.asyncio import Redis

from bot.pacing import Pacer

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


# GCRA: the key holds the theoretical time of the next slot; a message may go at
# max(now, that - (burst - 1) * interval), and the next slot moves one interval on.
# Wall-clock seconds, so processes on one host (or NTP-synced hosts) agree.
_RESERVE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], string.format('%.4f', slot + interval), 'PX', ARGV[4])
return string.format('%.4f', slot - (burst - 1) * interval - now)
"""
PREFIX = "qualityquiz:telegram:"
RESERVE_TIMEOUT = 0.5  # seconds; then the message goes on the process's own buckets
RETRY_REDIS_AFTER = 5.0  # seconds without asking Redis after it failed


class SharedSlots:
    """Reserves the bot's and each chat's next send slot for all processes, on a Pacer."""

    def __init__(self, redis: Redis, pacer: Pacer, *, prefix: str = PREFIX) -> None:
        self.prefix = prefix
        self._script = redis.register_script(_RESERVE)
        self._warned = 0.0
        self._down_until = 0.0  # monotonic: Redis failed, the process's own buckets meanwhile
        # Twice the process's own headroom: two processes' requests reach Telegram with
        # different delays after their slots.
        self._bot_interval = (1 + 2 * pacer.limits.margin) / pacer.limits.per_bot
        pacer.shared_slot = self.reserve
        pacer.budget.shared = self._bot_slot

    async def _bot_slot(self) -> None:
        wait = await self.reserve("bot", self._bot_interval, 1)
        if wait > 0:
            await asyncio.sleep(wait)

    async def reserve(self, key: str, interval: float, burst: int) -> float:
        """Seconds to wait before a message may use slot ``key``; 0 when Redis fails."""
        if time.monotonic() < self._down_until:
            return 0.0
        keep_ms = int(interval * (burst + 1) * 1000) + 1000
        try:
            wait = await asyncio.wait_for(  # a slow Redis must not hold a worker's reply
                self._script(
                    keys=[f"{self.prefix}{key}"],
                    args=[f"{time.time():.4f}", f"{interval:.6f}", burst, keep_ms],
                ),
                RESERVE_TIMEOUT,
            )
        except Exception:
            self._down_until = time.monotonic() + RETRY_REDIS_AFTER
            if time.monotonic() - self._warned > 60:  # once a minute, not once a message
                self._warned = time.monotonic()
                logger.warning("could not reserve a send slot in Redis", exc_info=True)
            return 0.0
        return max(float(wait), 0.0)


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
