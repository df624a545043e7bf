"""Request rates on the web endpoints: per client address and per worker (aiolimiter buckets).

A request over the rate is refused at once (429 with ``Retry-After``), never queued: a
browser that retries in a loop must not hold a coroutine per try. Buckets live in a bounded
LRU, so a flood of addresses cannot grow memory without end.
"""

from __future__ import annotations

from collections import OrderedDict

from aiolimiter import AsyncLimiter

MAX_BUCKETS = 20_000


class RateLimits:
    def __init__(self, rate: float, *, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(rate * 2, 1.0)
        self._buckets: OrderedDict[str, AsyncLimiter] = OrderedDict()

    async def allow(self, key: str) -> bool:
        """Take one token for ``key`` if there is one; False when over the rate."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = AsyncLimiter(self.burst, self.burst / self.rate)
            self._buckets[key] = bucket
            if len(self._buckets) > MAX_BUCKETS:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
        if not bucket.has_capacity():
            return False
        await bucket.acquire()  # with capacity, it takes the token without waiting
        return True

    @property
    def retry_after(self) -> int:
        return max(1, round(1 / self.rate))
