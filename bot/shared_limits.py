"""Telegram's limits kept by all the bot's processes together (through Redis).

Telegram counts per bot and per chat, not per process. With REDIS_URL set:

- **A 429 slows every process.** ``retry_after`` holds for the whole bot, but each process
  only learns of it when it is refused itself. A process that gets a 429 records when the
  pause ends under one key (only ever moving it later), and every process looks at the key
  a few times a second and pauses its own sender until then.
- **One message a second into a chat, whichever process sends it.** A worker's taps land on
  any process behind the port, so two replies into one chat can leave two processes in the
  same second. Before a message into a chat leaves, its process reserves the chat's next
  slot (one atomic script per message) and waits for it.
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


# The chat's next free slot: max(now, last slot + spacing); remembered a little longer than
# the spacing. Wall-clock seconds, so processes on one host (or NTP-synced hosts) agree.
_RESERVE = """
local now = tonumber(ARGV[1])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0') + tonumber(ARGV[2]))
redis.call('SET', KEYS[1], string.format('%.3f', slot), 'PX', ARGV[3])
return string.format('%.3f', slot - now)
"""
CHAT_KEY = "qualityquiz:telegram:chat:"
RESERVE_TIMEOUT = 0.5  # seconds; then the message goes on the process's own spacing


class SharedChatSpacing:
    """Reserves each chat's next send slot for all processes; installed on a :class:`Pacer`."""

    def __init__(self, redis: Redis, pacer: Pacer, *, prefix: str = CHAT_KEY) -> None:
        self.prefix = prefix
        self._script = redis.register_script(_RESERVE)
        self._warned = 0.0
        pacer.shared_spacing = self.reserve

    async def reserve(self, chat_id: int, spacing: float) -> float:
        """Seconds to wait before this message may go into ``chat_id``; 0 when Redis fails
        (the process's own spacing still holds)."""
        keep_ms = int(spacing * 1000) + 1000
        try:
            wait = await asyncio.wait_for(  # a slow Redis must not hold a worker's reply
                self._script(
                    keys=[f"{self.prefix}{chat_id}"], args=[f"{time.time():.3f}", spacing, keep_ms]
                ),
                RESERVE_TIMEOUT,
            )
        except Exception:
            if time.monotonic() - self._warned > 60:  # once a minute, not once a message
                self._warned = time.monotonic()
                logger.warning("could not reserve a chat's send slot in Redis", exc_info=True)
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
