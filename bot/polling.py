"""Long polling through the intake: the offset moves only after the inbox has the updates.

aiogram's own polling acknowledges an update (the next call's ``offset``) before its handler
runs, so a crash loses what was in flight. Here each ``getUpdates`` batch is stored first
(:class:`bot.intake.Intake`), and only then is the next call made with the new offset.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Sequence
from datetime import datetime

from aiogram import Bot
from aiogram.exceptions import TelegramConflictError
from aiogram.methods import GetUpdates
from aiogram.types import Update

from bot.inbox import Arrival
from bot.intake import Intake

logger = logging.getLogger(__name__)

POLL_TIMEOUT = 30  # seconds Telegram holds a getUpdates open when nothing is waiting
BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)


def arrival_of(update: Update, received_at: datetime) -> Arrival:
    """The update as Telegram's JSON again (aliases such as ``from``, nothing unset)."""
    payload = update.model_dump(mode="json", by_alias=True, exclude_none=True)
    return Arrival(update.update_id, payload, received_at)


async def poll(
    bot: Bot,
    intake: Intake,
    *,
    stop: asyncio.Event,
    allowed_updates: Sequence[str] | None = None,
) -> None:
    """Fetch, store, acknowledge, until ``stop`` is set."""
    offset: int | None = None
    failures = 0
    request = GetUpdates(timeout=POLL_TIMEOUT, allowed_updates=list(allowed_updates or []) or None)
    while not stop.is_set():
        request.offset = offset
        try:
            updates = await _until_stopped(bot(request, request_timeout=POLL_TIMEOUT + 15), stop)
        except TelegramConflictError:
            logger.error("another process is polling this bot (Telegram answered 409); waiting")
            updates, failures = None, failures + 1
        except Exception as exc:
            logger.warning("getUpdates failed: %s: %s", type(exc).__name__, exc)
            updates, failures = None, failures + 1
        if updates is None:
            if stop.is_set():
                return
            await _sleep(stop, BACKOFF[min(failures, len(BACKOFF)) - 1] if failures else 0)
            continue
        failures = 0
        if not updates:
            continue
        received_at = intake.clock()
        arrivals = [arrival_of(update, received_at) for update in updates]
        while True:
            try:
                await intake.receive(arrivals)
                break
            except Exception:
                # Not stored, so not acknowledged: Telegram keeps them until we can.
                logger.exception("could not store %d update(s); retrying", len(arrivals))
                if stop.is_set():
                    return
                await _sleep(stop, 1.0)
        offset = updates[-1].update_id + 1
    # One last call acknowledges what was stored (Telegram would otherwise send it again,
    # which the inbox would ignore anyway).
    if offset is not None:
        with contextlib.suppress(Exception):
            await bot(GetUpdates(offset=offset, timeout=0, limit=1), request_timeout=10)


async def _until_stopped(call: Awaitable[list[Update]], stop: asyncio.Event) -> list[Update] | None:
    fetch = asyncio.ensure_future(call)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if not fetch.done():
        fetch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await fetch
        return None
    result: list[Update] = fetch.result()
    return result


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
