"""The sender middleware with Telegram's real limits, checked by counting at a fake that
answers 429 when they are exceeded (timestamps are the fake's; bounds are generous).

Bulk sends (the outbox's bot) keep the bot-wide 30/s; replies to a worker's own action are
paced per chat only."""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramServerError
from redis.asyncio import Redis

from bot.sender import Limits, Pacer, TelegramLimits
from bot.shared_limits import SharedChatSpacing, SharedPause
from tests.conftest import IN_CI
from tests.fakes.limited import LimitedTelegram

REDIS_URL = os.environ.get("QQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def make(
    api: LimitedTelegram,
    limits: Limits | None = None,
    blocked: list[int] | None = None,
    *,
    bulk: bool = True,
    pacer: Pacer | None = None,
) -> Bot:
    async def on_blocked(chat_id: int) -> None:
        if blocked is not None:
            blocked.append(chat_id)

    api.middleware(TelegramLimits(limits, on_blocked, bulk=bulk, pacer=pacer))
    return Bot("42:TEST-TOKEN", session=api)


async def test_bot_wide_limit_holds_for_many_chats() -> None:
    api = LimitedTelegram()
    bot = make(api)
    await asyncio.gather(*(bot.send_message(5000 + i, f"m{i}") for i in range(70)))
    assert api.rejected == []
    assert len(api.accepted) == 70
    times = [t for t, _, _ in api.accepted]
    assert max(sum(1 for t in times if start <= t < start + 1) for start in times) <= 30
    assert times[-1] - times[0] > 2.0  # 70 messages at ≤ 30/s


async def test_messages_to_one_chat_are_a_second_apart() -> None:
    api = LimitedTelegram()
    bot = make(api)
    await asyncio.gather(*(bot.send_message(77, f"m{i}") for i in range(3)))
    assert api.rejected == []
    times = [t for t, _, _ in api.accepted]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))


async def test_a_group_gets_at_most_one_message_per_three_seconds() -> None:
    api = LimitedTelegram()
    bot = make(api)
    sends = [asyncio.create_task(bot.send_message(-1001, f"m{i}")) for i in range(3)]
    await asyncio.sleep(4.5)  # 20/min: the first at once, the second after ~3 s
    assert len(api.accepted) == 2
    await asyncio.gather(*sends)
    assert api.rejected == [] and len(api.accepted) == 3


async def test_429_is_waited_out_and_retried() -> None:
    api = LimitedTelegram()
    bot = make(api)
    api.queue_error("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await bot.send_message(1, "hi")
    assert loop.time() - started >= 0.9
    assert len(api.sent("sendMessage")) == 2 and len(api.accepted) == 1


async def test_server_errors_are_retried_with_backoff_then_given_up() -> None:
    api = LimitedTelegram()
    bot = make(api, Limits(backoff_base=0.01, max_retries=3))
    api.queue_error("sendMessage", 502, "Bad Gateway")
    api.queue_error("sendMessage", 500, "Internal Server Error")
    await bot.send_message(1, "hi")
    assert len(api.sent("sendMessage")) == 3
    for _ in range(4):
        api.queue_error("sendMessage", 500, "Internal Server Error")
    with pytest.raises(TelegramServerError):
        await bot.send_message(2, "hi")


async def test_forbidden_reports_the_chat_and_raises() -> None:
    api = LimitedTelegram()
    blocked: list[int] = []
    bot = make(api, blocked=blocked)
    api.blocked_chats.add(9)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(9, "hi")
    assert blocked == [9]
    assert len(api.sent("sendMessage")) == 1  # a 403 is not retried


async def test_replies_to_many_workers_are_not_held_to_the_bulk_budget() -> None:
    """Seventy workers tapping at once get their edits at once: only per chat is paced."""
    api = LimitedTelegram(per_bot=10_000)
    bot = make(api, bulk=False)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(bot.send_message(6000 + i, f"m{i}") for i in range(70)))
    assert loop.time() - started < 1.0  # 70 replies; the bulk budget would take 2.3 s
    assert api.rejected == [] and len(api.accepted) == 70


async def test_replies_to_one_chat_keep_a_second_apart() -> None:
    api = LimitedTelegram(per_bot=10_000)
    bot = make(api, bulk=False)
    await asyncio.gather(*(bot.send_message(77, f"m{i}") for i in range(3)))
    times = [t for t, _, _ in api.accepted]
    assert api.rejected == [] and all(b - a >= 1.0 for a, b in itertools.pairwise(times))


async def test_callback_answers_are_not_paced() -> None:
    api = LimitedTelegram(per_bot=10_000)
    bot = make(api, bulk=False)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(bot.answer_callback_query(str(i), text="✅") for i in range(50)))
    assert loop.time() - started < 0.5
    assert len(api.sent("answerCallbackQuery")) == 50


async def test_a_429_on_one_request_pauses_every_other_one() -> None:
    """Telegram's retry_after holds for the whole bot: replies and bulk wait it out alike."""
    api = LimitedTelegram(per_bot=10_000)
    pacer = Pacer()
    replies, bulk = make(api, bulk=False, pacer=pacer), LimitedTelegram(per_bot=10_000)
    outbox = make(bulk, pacer=pacer)
    api.queue_error("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    loop = asyncio.get_running_loop()
    first = asyncio.create_task(replies.send_message(1, "first"))
    await asyncio.sleep(0.1)  # the 429 has come back; the pause is on
    started = loop.time()
    await asyncio.gather(replies.send_message(2, "reply"), outbox.send_message(3, "bulk"))
    assert loop.time() - started >= 0.8
    await first
    assert len(api.accepted) == 2 and len(bulk.accepted) == 1


async def _redis() -> Redis:
    redis = Redis.from_url(REDIS_URL)
    try:
        await redis.ping()
    except Exception as exc:  # pragma: no cover - depends on the machine
        await redis.aclose()
        if IN_CI:
            pytest.fail(f"Redis unreachable in CI: {exc}")
        pytest.skip("Redis unreachable")
    return redis


class OneTelegram(LimitedTelegram):
    """Another process's connection to the same Telegram (its counts and its chats)."""

    def __init__(self, telegram: LimitedTelegram) -> None:
        super().__init__()
        self.telegram = telegram

    def _respond(self, name, params, files):  # type: ignore[no-untyped-def]
        return self.telegram._respond(name, params, files)


async def test_replies_into_one_chat_from_two_processes_are_a_second_apart() -> None:
    """A worker's taps land on either process; their replies into the chat still leave a
    second apart (Telegram's per-chat limit is the bot's), and other chats do not wait."""
    redis = await _redis()
    prefix = f"test:chat:{uuid.uuid4().hex}:"
    api = LimitedTelegram(per_bot=10_000)  # answers 429 on a second message within 1 s
    bots = []
    for _ in range(2):  # two processes: a session and a pacer each, one Telegram
        pacer = Pacer()
        SharedChatSpacing(redis, pacer, prefix=prefix)
        bots.append(make(OneTelegram(api), bulk=False, pacer=pacer))
    loop = asyncio.get_running_loop()
    try:
        started = loop.time()
        await asyncio.gather(
            *(bots[i % 2].send_message(88, f"reply {i}") for i in range(4)),
            *(bots[i % 2].send_message(9000 + i, "elsewhere") for i in range(10)),
        )
    finally:
        await redis.aclose()
    assert api.rejected == []
    into_88 = [t for t, chat, _ in api.accepted if chat == 88]
    assert len(into_88) == 4
    assert all(b - a >= 0.95 for a, b in itertools.pairwise(sorted(into_88)))
    others = [t for t, chat, _ in api.accepted if chat != 88]
    assert max(others) - started < 0.5  # chats of their own are not held up


async def test_a_redis_that_hangs_does_not_hold_a_reply() -> None:
    """Redis accepts the connection and never answers: the reply still goes out, on the
    process's own spacing, about half a second later."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(-1)  # listens, never answers

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    redis = Redis.from_url(f"redis://127.0.0.1:{port}")
    pacer = Pacer()
    SharedChatSpacing(redis, pacer)
    api = LimitedTelegram(per_bot=10_000)
    bot = make(api, bulk=False, pacer=pacer)
    loop = asyncio.get_running_loop()
    try:
        started = loop.time()
        await asyncio.wait_for(bot.send_message(99, "still sent"), 5)
        assert loop.time() - started < 2
    finally:
        server.close()
        await redis.aclose(close_connection_pool=True)
    assert [chat for _, chat, _ in api.accepted] == [99]


async def test_a_429_in_one_process_pauses_the_others_through_redis() -> None:
    """Two processes' pacers on one Redis: the 429 one of them gets holds both."""
    redis = await _redis()
    key = f"test:paused:{uuid.uuid4().hex}"
    here, there = Pacer(), Pacer()
    SharedPause(redis, here, key=key)
    listener = SharedPause(redis, there, key=key)
    stop = asyncio.Event()
    watching = asyncio.create_task(listener.run(stop))
    try:
        here.pause(1.5)
        await asyncio.sleep(0.6)  # a few of the listener's looks at Redis
        api = LimitedTelegram(per_bot=10_000)
        bot = make(api, bulk=False, pacer=there)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await bot.send_message(1, "after the pause")
        assert loop.time() - started >= 0.5  # the other process waited for the shared pause
    finally:
        stop.set()
        await watching
        await redis.delete(key)
        await redis.aclose()
