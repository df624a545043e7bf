"""The sender middleware with Telegram's real limits, checked by counting at a fake that
answers 429 when they are exceeded (timestamps are the fake's; bounds are generous).

Every message into a chat keeps the bot-wide 30/s, replies to a worker's own action ahead
of bulk sends (the outbox's bot); a chat gets a short burst, then one a second."""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter, TelegramServerError
from redis.asyncio import Redis

from bot.sender import Limits, Pacer, TelegramLimits, reply_deadline
from bot.shared_limits import SharedPause, SharedSlots
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


class OneTelegram(LimitedTelegram):
    """Another process's connection to the same Telegram (its counts and its chats)."""

    def __init__(self, telegram: LimitedTelegram) -> None:
        super().__init__()
        self.telegram = telegram

    def _respond(self, name, params, files):  # type: ignore[no-untyped-def]
        return self.telegram._respond(name, params, files)


async def test_bot_wide_limit_holds_for_many_chats() -> None:
    api = LimitedTelegram()
    bot = make(api)
    await asyncio.gather(*(bot.send_message(5000 + i, f"m{i}") for i in range(70)))
    assert api.rejected == []
    assert len(api.accepted) == 70
    times = [t for t, _, _ in api.accepted]
    assert api.control.peak_per_second() <= 30
    assert times[-1] - times[0] > 2.0  # 70 messages at ≤ 30/s


async def test_replies_share_the_bot_wide_budget() -> None:
    """Seventy workers tapping at once: their replies too stay within 30/s, with no 429."""
    api = LimitedTelegram()
    bot = make(api, bulk=False)
    await asyncio.gather(*(bot.send_message(6000 + i, f"m{i}") for i in range(70)))
    assert api.rejected == [] and len(api.accepted) == 70
    assert api.control.peak_per_second() <= 30


async def test_replies_are_served_ahead_of_bulk() -> None:
    """A broadcast to 90 chats is under way when 10 workers tap: their replies go out next,
    before the rest of the broadcast, and nobody gets a 429."""
    api = LimitedTelegram()
    pacer = Pacer()
    outbox, replies = make(api, pacer=pacer), make(OneTelegram(api), bulk=False, pacer=pacer)
    broadcast = [asyncio.create_task(outbox.send_message(7000 + i, "通知")) for i in range(90)]
    await asyncio.sleep(0.5)
    loop = asyncio.get_running_loop()
    tapped = loop.time()
    await asyncio.gather(*(replies.send_message(8000 + i, "答对了") for i in range(10)))
    served_in = loop.time() - tapped
    await asyncio.gather(*broadcast)
    assert api.rejected == [] and len(api.accepted) == 100
    order = [chat for _, chat, _ in api.accepted]
    last_reply = max(i for i, chat in enumerate(order) if chat >= 8000)
    assert last_reply < 40  # 10 replies right after the ~15 bulk messages already out
    assert served_in < 1.5  # 10 slots at 30/s, not behind 75 broadcast messages (2.5 s)


async def test_a_chat_gets_a_short_burst_then_one_a_second() -> None:
    api = LimitedTelegram()
    bot = make(api)
    await asyncio.gather(*(bot.send_message(77, f"m{i}") for i in range(4)))
    assert api.rejected == []
    times = [t for t, _, _ in api.accepted]
    assert times[1] - times[0] < 0.5  # the answer and the next question together
    assert all(b - a >= 0.9 for a, b in itertools.pairwise(times[1:]))


async def test_edits_add_no_message_and_are_not_paced() -> None:
    """The next question replaces the tapped one: edits in a private chat go at once."""
    api = LimitedTelegram()
    bot = make(api, bulk=False)
    shown = await bot.send_message(77, "第 1 题")
    loop = asyncio.get_running_loop()
    started = loop.time()
    for n in range(2, 7):
        await bot.edit_message_text(f"第 {n} 题", chat_id=77, message_id=shown.message_id)
    assert loop.time() - started < 0.5
    assert api.rejected == [] and api.delivered() == [(77, "sendMessage")]


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


async def test_server_errors_are_retried_until_the_deadline() -> None:
    api = LimitedTelegram()
    bot = make(api, Limits(backoff_base=0.01, backoff_max=0.05))
    for _ in range(8):  # more tries than any fixed count would allow
        api.queue_error("sendMessage", 502, "Bad Gateway")
    await bot.send_message(1, "hi")
    assert len(api.sent("sendMessage")) == 9
    for _ in range(1000):
        api.queue_error("sendMessage", 500, "Internal Server Error")
    loop = asyncio.get_running_loop()
    started = loop.time()
    before = len(api.sent("sendMessage"))
    with reply_deadline(started + 0.5), pytest.raises(TelegramServerError):
        await bot.send_message(2, "hi")
    assert 0.4 <= loop.time() - started < 2.5  # each try is a message into the chat: paced
    assert len(api.sent("sendMessage")) - before >= 2


async def test_a_429_beyond_the_deadline_is_raised_and_still_pauses() -> None:
    api = LimitedTelegram()
    pacer = Pacer()
    bot = make(api, pacer=pacer)
    api.queue_error("sendMessage", 429, "Too Many Requests: retry after 5", retry_after=5)
    loop = asyncio.get_running_loop()
    with reply_deadline(loop.time() + 1), pytest.raises(TelegramRetryAfter):
        await bot.send_message(1, "hi")
    started = loop.time()
    with pytest.raises(TimeoutError):  # everyone else waits the 5 s out
        await asyncio.wait_for(bot.send_message(2, "later"), 1)
    assert loop.time() - started >= 0.9


async def test_forbidden_reports_the_chat_and_raises() -> None:
    api = LimitedTelegram()
    blocked: list[int] = []
    bot = make(api, blocked=blocked)
    api.blocked_chats.add(9)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(9, "hi")
    assert blocked == [9]
    assert len(api.sent("sendMessage")) == 1  # a 403 is not retried


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


async def test_two_processes_keep_one_budget_per_chat_and_per_bot() -> None:
    """A worker's taps land on either process, and each has its own buckets: through Redis
    their replies into one chat still keep the chat's pace, and their messages together
    keep the bot's 30/s: at most a stray 429 where two requests' trips to Telegram
    differ."""
    redis = await _redis()
    prefix = f"test:slots:{uuid.uuid4().hex}:"
    api = LimitedTelegram()
    bots = []
    for _ in range(2):  # two processes: a session and a pacer each, one Telegram
        pacer = Pacer()
        SharedSlots(redis, pacer, prefix=prefix)
        bots.append(make(OneTelegram(api), bulk=False, pacer=pacer))
    try:
        await asyncio.gather(
            *(bots[i % 2].send_message(88, f"reply {i}") for i in range(4)),
            *(bots[i % 2].send_message(9000 + i, "elsewhere") for i in range(60)),
        )
    finally:
        await redis.aclose()
    assert len(api.accepted) == 64  # every one delivered; a 429 from jitter is waited out
    assert len(api.rejected) <= 2
    into_88 = sorted(t for t, chat, _ in api.accepted if chat == 88)
    assert into_88[-1] - into_88[0] >= 1.8  # a burst of two, then one a second


async def test_a_redis_that_hangs_does_not_hold_a_reply() -> None:
    """Redis accepts the connection and never answers: the replies still go out, on the
    process's own buckets, the first about half a second later, the others without waiting
    for Redis again."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(-1)  # listens, never answers

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    redis = Redis.from_url(f"redis://127.0.0.1:{port}")
    pacer = Pacer()
    SharedSlots(redis, pacer)
    api = LimitedTelegram()
    bot = make(api, bulk=False, pacer=pacer)
    loop = asyncio.get_running_loop()
    try:
        started = loop.time()
        await asyncio.wait_for(bot.send_message(99, "still sent"), 5)
        assert loop.time() - started < 2
        started = loop.time()
        await asyncio.gather(*(bot.send_message(100 + i, "also sent") for i in range(20)))
        assert loop.time() - started < 2
    finally:
        server.close()
        await redis.aclose(close_connection_pool=True)
    assert len(api.accepted) == 21


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
