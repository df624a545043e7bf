"""What the messengers' OpenAPI clients (DingTalk, Feishu, WeCom) share: one HTTP session on
the bot's loop, the app token kept until five minutes before it expires (fetched by one
caller at a time), rate limiters by key (a sliding window: never more than the platform's
stated calls in any second, where a token bucket lets twice as many through after a quiet
moment), and the discipline of a call: a throttle is waited out without giving up (the work
it reports is already saved), a refused token is renewed once, 5xx and network errors are
retried a few times, anything else is raised."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

import aiohttp

from storage.types import Clock

RETRIES = 6  # for 5xx and network errors; a throttle is waited out without a cap
TIMEOUT = aiohttp.ClientTimeout(total=15)
KEEP_LIMITERS = 10_000  # limiters by key (receivers, cards) forgotten beyond this many
# A window is this much longer than the platform's: calls leave on time but arrive with the
# network's jitter, and the platform counts arrivals.
ARRIVAL_MARGIN = 0.1


class Window:
    """At most ``rate`` acquisitions in any ``period`` seconds, waiters served in turn."""

    def __init__(self, rate: int, period: float = 1.0) -> None:
        self.rate, self.period = rate, period
        self._times: deque[float] = deque()
        self._turn = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._turn:
            loop = asyncio.get_running_loop()
            now = loop.time()
            while self._times and now - self._times[0] >= self.period:
                self._times.popleft()
            if len(self._times) >= self.rate:
                await asyncio.sleep(self._times[0] + self.period - now)
                self._times.popleft()
            self._times.append(loop.time())


class Verdict(Enum):
    """What a platform's answer means for the call."""

    OK = "ok"
    THROTTLED = "throttled"
    TOKEN_REFUSED = "token_refused"
    OTHER = "other"  # a 5xx or a network error is retried; anything else is raised


class PlatformApi:
    """A platform's client says how its token is fetched, what an answer means and what
    error a refusal raises."""

    def __init__(self, *, clock: Clock, pause: float) -> None:
        self.clock, self.pause = clock, pause
        self.http: aiohttp.ClientSession | None = None
        self._token: tuple[str, datetime] | None = None
        self._token_lock = asyncio.Lock()
        self._limits: dict[str, Window] = {}

    def session(self) -> aiohttp.ClientSession:
        if self.http is None:
            self.http = aiohttp.ClientSession(timeout=TIMEOUT)
        return self.http

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()
            self.http = None

    async def token(self, *, renew: bool = False) -> str:
        async with self._token_lock:
            if self._token is not None and not renew and self.clock() < self._token[1]:
                return self._token[0]
            token, lifetime = await self._fetch_token()
            self._token = (token, self.clock() + timedelta(seconds=lifetime - 300))
            return token

    # --- what a platform says --------------------------------------------------------------
    async def _fetch_token(self) -> tuple[str, int]:
        """A new app token and its lifetime in seconds."""
        raise NotImplementedError

    def _verdict(self, status: int, answer: Any) -> Verdict:
        raise NotImplementedError

    def _refusal(self, status: int, answer: Any) -> Exception:
        raise NotImplementedError

    def _unreachable(self, exc: Exception) -> Any:
        """The answer a network error stands for."""
        return {"code": -1, "msg": type(exc).__name__}

    # --- the discipline ----------------------------------------------------------------------
    def _limiter(self, key: str, rate: int, period: float = 1.0) -> Window:
        if len(self._limits) > KEEP_LIMITERS:
            self._limits.clear()
        return self._limits.setdefault(key, Window(rate, period + ARRIVAL_MARGIN))

    async def _retrying(
        self, attempt: Callable[[], Awaitable[tuple[int, Any]]], paces: Sequence[tuple[str, int]]
    ) -> Any:
        """``attempt`` until it is answered, each try paced by the ``(key, rate)`` limiters."""
        renewed, failures, throttles = False, 0, 0
        while True:
            for key, rate in paces:
                await self._limiter(key, rate).acquire()
            try:
                status, answer = await attempt()
            except (aiohttp.ClientError, TimeoutError) as exc:
                status, answer = 0, self._unreachable(exc)
            verdict = self._verdict(status, answer)
            if verdict is Verdict.THROTTLED:
                throttles += 1
                await asyncio.sleep(min(self.pause * throttles, 10.0))
                continue
            if not renewed and verdict is Verdict.TOKEN_REFUSED:
                renewed = True
                await self.token(renew=True)
                continue
            if status == 0 or status >= 500:
                failures += 1
                if failures <= RETRIES:
                    await asyncio.sleep(min(self.pause * 2**failures, 15.0))
                    continue
            if verdict is Verdict.OK:
                return answer
            raise self._refusal(status, answer)
