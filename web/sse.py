"""Server-sent events from a hub's subscription (the big screen, the live final's stage and
console): the stream the browser's ``EventSource`` reads."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import AbstractAsyncContextManager

from aiohttp import web

from web.hub import CLOSING, REVOKED, Subscription

HEARTBEAT = 15.0  # seconds between comments that keep proxies from closing the stream


async def stream_events(
    request: web.Request, subscription: AbstractAsyncContextManager[Subscription]
) -> web.StreamResponse:
    """Each message of the subscription, until the browser goes, the feed is revoked or the
    server stops (the browser reconnects a second later)."""
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # nginx: pass events through at once
        }
    )
    await response.prepare(request)
    await response.write(b"retry: 1000\n\n")
    async with subscription as sub:
        while True:
            try:
                message = await asyncio.wait_for(sub.queue.get(), HEARTBEAT)
            except TimeoutError:
                message = b": ping\n\n"
            if message == CLOSING:
                break
            try:
                await response.write(message)
            except (ConnectionResetError, RuntimeError):
                break
            if message == REVOKED:
                break
    with contextlib.suppress(ConnectionResetError, RuntimeError):
        await response.write_eof()
    return response
