"""Telegram's limits kept by all the bot's processes together (through Redis).

Telegram counts per bot and per chat, not per process. With REDIS_URL set:

- **A 429 slows every process.** ``retry_after`` holds for the whole bot, but each process
  only learns of it when it is refused itself. A process that gets a 429 records when the
  pause ends under one key (only ever moving it later), and every process looks at the key
  a few times a second and pauses its own sender until then.
- **One budget for the bot, one for each chat, whichever process sends.** A worker's taps
  land on any process behind the port, and each process keeps its own log and buckets.
  Before a message leaves, its process takes a place in the bot's shared log (a sorted set
  of when each message came back, the same rule as :class:`bot.pacing.SendLog`: a place is
  held "in flight" from the moment it is taken, and counts as done once the request came
  back) and reserves the chat's next slot (the same GCRA as :mod:`bot.pacing`), one atomic
  script each, and waits for them. A Redis that fails or is slow costs nothing but the
  sharing: the process's own log and buckets still hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
import uuid
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

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
# The bot's log: drop what left the window; with room, hold a place "in flight" (scored far
# ahead, so it counts until it is done); else the seconds until the oldest leaves it.
_LOG = """
local now = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[5]), ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil((tonumber(ARGV[5]) + period) * 1000))
  return '0'
end
local first = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
if first > now then return '0.0100' end
return string.format('%.4f', first + period - now)
"""
IN_FLIGHT = 60.0  # seconds a place counts at most when its process never says it is done
PREFIX = "qualityquiz:telegram:"
RESERVE_TIMEOUT = 0.5  # seconds; then the message goes on the process's own buckets
RETRY_REDIS_AFTER = 5.0  # seconds without asking Redis after it failed


class SharedSlots:
    """Reserves the bot's and each chat's next send slot for all processes, on a Pacer."""

    def __init__(self, redis: Redis, pacer: Pacer, *, prefix: str = PREFIX) -> None:
        self.prefix = prefix
        self.redis = redis
        self._script = redis.register_script(_RESERVE)
        self._log = redis.register_script(_LOG)
        self._warned = 0.0
        self._down_until = 0.0  # monotonic: Redis failed, the process's own buckets meanwhile
        self._limit = pacer.budget.log.limit
        self._period = pacer.budget.log.period
        self._names = itertools.count()
        self._tag = uuid.uuid4().hex[:12]
        self._tasks: set[asyncio.Task[None]] = set()
        pacer.shared_slot = self.reserve
        pacer.budget.shared = self

    async def reserve_place(self) -> str | None:
        """A place in the bot's shared log (waiting for one); None when Redis fails."""
        name = f"{self._tag}:{next(self._names)}"
        while True:
            wait = await self._call(
                self._log,
                "bot",
                [f"{time.time():.4f}", f"{self._period:.4f}", self._limit, name, IN_FLIGHT],
            )
            if wait is None:
                return None
            if wait <= 0:
                return name
            await asyncio.sleep(wait)

    def done(self, name: str | None) -> None:
        """The request holding ``name`` came back: it counts from now, as done."""
        if name is None:
            return
        task = asyncio.create_task(self._done(name, time.time()))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _done(self, name: str, at: float) -> None:
        with contextlib.suppress(Exception):  # the place then counts until it expires
            await self.redis.zadd(f"{self.prefix}bot", {name: at}, xx=True)

    async def reserve(self, key: str, interval: float, burst: int) -> float:
        """Seconds to wait before a message may use slot ``key``; 0 when Redis fails."""
        keep_ms = int(interval * (burst + 1) * 1000) + 1000
        args = [f"{time.time():.4f}", f"{interval:.6f}", burst, keep_ms]
        wait = await self._call(self._script, key, args)
        return max(wait or 0.0, 0.0)

    async def _call(self, script: AsyncScript, key: str, args: list[Any]) -> float | None:
        """Run ``script`` on ``key``; its float answer, or None when Redis fails."""
        if time.monotonic() < self._down_until:
            return None
        try:
            answer = await asyncio.wait_for(  # a slow Redis must not hold a worker's reply
                script(keys=[f"{self.prefix}{key}"], args=args), RESERVE_TIMEOUT
            )
        except Exception:
            self._down_until = time.monotonic() + RETRY_REDIS_AFTER
            if time.monotonic() - self._warned > 60:  # once a minute, not once a message
                self._warned = time.monotonic()
                logger.warning("could not reserve a send slot in Redis", exc_info=True)
            return None
        return float(answer)


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
