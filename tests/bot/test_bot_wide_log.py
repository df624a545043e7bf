"""The bot-wide budget under a loop that is blocked now and then, counted at the fake.

A process busy with a crowd wakes its sender late. Telegram (and ``tests/fakes/flood.py``)
counts the messages that arrive in any one-second window; the budget must never let a
31st into one, and must not lose the slots a late wake-up skipped either, or a
10,000-worker start runs far slower than 30 a second. The loop is blocked here on purpose
with a synchronous sleep; every figure comes from the fake's own records.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot

from bot.pacing import SendLog
from bot.sender import Pacer, TelegramLimits
from tests.fakes.limited import LimitedTelegram

MESSAGES = 150


async def _block_now_and_then(stop: asyncio.Event) -> int:
    """Hold the whole event loop 150 ms out of every ~300 ms, as a CPU-bound crowd does."""
    blocks = 0
    while not stop.is_set():
        await asyncio.sleep(0.15)
        time.sleep(0.15)  # noqa: ASYNC251 - blocking the loop is the point of this test
        blocks += 1
    return blocks


async def test_a_blocked_loop_neither_breaks_the_limit_nor_loses_its_slots() -> None:
    api = LimitedTelegram()  # 30 in any second per bot, Telegram's rule
    api.middleware(TelegramLimits(pacer=Pacer()))
    bot = Bot("42:TEST-TOKEN", session=api)
    stop = asyncio.Event()
    blocker = asyncio.create_task(_block_now_and_then(stop))
    await asyncio.gather(*(bot.send_message(20_000 + i, f"名单 {i}") for i in range(MESSAGES)))
    stop.set()
    blocks = await blocker

    assert blocks >= 10  # the loop really was blocked, again and again
    assert api.rejected == []  # not one 429
    assert len(api.accepted) == MESSAGES
    assert api.control.peak_per_second() <= 30
    times = [at for at, _, _ in api.accepted]
    # Messages per second over the run, from the fake's clock: a spaced bucket that loses
    # the slots a late wake-up skipped manages about half the budget here.
    assert (MESSAGES - 1) / (times[-1] - times[0]) >= 24


def test_the_log_counts_a_message_from_when_it_came_back() -> None:
    log = SendLog(3, 1.0)
    for _ in range(3):
        assert log.wait(0.0) == 0
        log.take()
    assert log.wait(0.5) > 0  # three on their way: no fourth
    log.done(0.5)
    log.done(0.6)
    log.done(0.7)
    assert log.wait(1.4) == pytest.approx(0.1)  # the first came back at 0.5: room at 1.5
    assert log.wait(1.5) == 0
    log.take()
    assert log.wait(1.5) == pytest.approx(0.1)  # 0.6 and 0.7 still count, and one is on its way
