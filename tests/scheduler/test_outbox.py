"""The outbox: idempotent enqueue, delivery outcomes, retries, crash recovery, real limits."""

from __future__ import annotations

import itertools

import pytest
from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.models import ChatBinding, Worker
from scheduler import outbox
from scheduler.models import OutboxMessage, OutboxStatus
from scheduler.outbox import batch_progress, deliver_due, enqueue
from tests.conftest import MovableClock
from tests.fakes.limited import LimitedTelegram
from tests.fakes.telegram import FakeTelegram
from tests.scheduler.conftest import make_bot, make_competition, on_blocked_hook

Factory = async_sessionmaker[AsyncSession]


async def rows(session: AsyncSession) -> dict[str, OutboxMessage]:
    query = select(OutboxMessage).execution_options(populate_existing=True)
    return {r.dedup_key: r for r in (await session.execute(query)).scalars()}


async def queue(
    session: AsyncSession, clock: MovableClock, *items: tuple[str, int], **kw: object
) -> None:
    for key, chat in items:
        await enqueue(session, dedup_key=key, chat_id=chat, text=f"msg {key}", clock=clock, **kw)  # type: ignore[arg-type]
    await session.commit()


async def test_enqueue_is_idempotent_on_the_dedup_key(
    session: AsyncSession, clock: MovableClock
) -> None:
    assert await enqueue(session, dedup_key="a", chat_id=1, text="x", clock=clock)
    assert not await enqueue(session, dedup_key="a", chat_id=1, text="y", clock=clock)
    await session.commit()
    assert [r.text for r in (await rows(session)).values()] == ["x"]
    with pytest.raises(ValueError):
        await enqueue(session, dedup_key="b", chat_id=1, text="", kind="photo", clock=clock)


async def test_delivery_records_the_message_and_never_resends(
    session: AsyncSession,
    session_factory: Factory,
    bot: Bot,
    api: FakeTelegram,
    clock: MovableClock,
) -> None:
    await queue(session, clock, ("a", 1), ("b", 2))
    await enqueue(
        session, dedup_key="p", chat_id=1, text="cap", kind="photo", payload=b"PNG", clock=clock
    )
    await session.commit()
    report = await deliver_due(session_factory, bot, clock=clock)
    assert report.sent == 3
    assert (await deliver_due(session_factory, bot, clock=clock)).handled == 0
    stored = await rows(session)
    assert all(r.status == OutboxStatus.SENT and r.telegram_message_id for r in stored.values())
    assert [r.method for r in api.sent(chat_id=1)] == ["sendMessage", "sendPhoto"]
    assert api.last("sendPhoto").files


async def test_blocked_chat_marks_rows_and_the_target_inactive(
    session: AsyncSession,
    session_factory: Factory,
    bot: Bot,
    api: FakeTelegram,
    clock: MovableClock,
) -> None:
    competition = await make_competition(session, bind=-500)
    session.add(Worker(telegram_id=7, real_name="张三"))
    await session.commit()
    api.blocked_chats.add(7)
    api.queue_error("sendMessage", 400, "Bad Request: chat not found")
    await queue(session, clock, ("g1", -500), ("w1", 7), ("w2", 7), ("ok", 8), batch="b")
    report = await deliver_due(session_factory, bot, clock=clock)
    assert (report.sent, report.blocked) == (1, 3)
    stored = await rows(session)
    assert {k: r.status for k, r in stored.items()} == {
        "g1": "blocked",
        "w1": "blocked",
        "w2": "blocked",
        "ok": "sent",
    }
    assert len(api.sent(chat_id=7)) == 1  # the second row was not even tried
    worker = (
        await session.execute(select(Worker).execution_options(populate_existing=True))
    ).scalar_one()
    binding = (
        await session.execute(select(ChatBinding).execution_options(populate_existing=True))
    ).scalar_one()
    assert not worker.active and not binding.active
    progress = await batch_progress(session, batch="b")
    assert (progress.sent, progress.blocked, progress.pending, progress.total) == (1, 3, 0, 4)
    assert competition.id


async def test_server_errors_retry_with_backoff_then_deliver_once(
    session: AsyncSession,
    session_factory: Factory,
    bot: Bot,
    api: FakeTelegram,
    clock: MovableClock,
) -> None:
    await queue(session, clock, ("a", 1))
    # Past the sender's deadline (none here: give_up_after=0) the outbox backs off itself.
    api.queue_error("sendMessage", 502, "Bad Gateway")
    report = await deliver_due(session_factory, bot, clock=clock)
    assert report.retrying == 1
    row = (await rows(session))["a"]
    assert row.status == OutboxStatus.PENDING and row.next_attempt_at > clock()
    assert (await deliver_due(session_factory, bot, clock=clock)).handled == 0  # not yet due
    clock.advance(seconds=outbox.BACKOFF_SECONDS)
    assert (await deliver_due(session_factory, bot, clock=clock)).sent == 1
    assert len([r for r in api.sent("sendMessage") if r.chat_id == 1]) == 2


async def test_permanent_bad_request_fails_without_retry(
    session: AsyncSession,
    session_factory: Factory,
    bot: Bot,
    api: FakeTelegram,
    clock: MovableClock,
) -> None:
    await queue(session, clock, ("a", 1))
    api.queue_error("sendMessage", 400, "Bad Request: can't parse entities")
    assert (await deliver_due(session_factory, bot, clock=clock)).failed == 1
    assert (await rows(session))["a"].status == OutboxStatus.FAILED


async def test_row_claimed_by_a_crashed_sender_is_sent_once_later(
    session: AsyncSession,
    session_factory: Factory,
    bot: Bot,
    api: FakeTelegram,
    clock: MovableClock,
) -> None:
    await queue(session, clock, ("a", 1))
    claimed = await outbox._claim_due(session_factory, clock=clock, limit=10)  # then "crash"
    assert [r.dedup_key for r in claimed] == ["a"]
    assert (await deliver_due(session_factory, bot, clock=clock)).handled == 0
    clock.advance(seconds=outbox.CLAIM_SECONDS)
    assert (await deliver_due(session_factory, bot, clock=clock)).sent == 1
    assert (await deliver_due(session_factory, bot, clock=clock)).handled == 0
    assert len(api.sent("sendMessage")) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_real_limits_hold_against_a_flood_checking_api(
    session: AsyncSession, session_factory: Factory, clock: MovableClock
) -> None:
    """Private chats, groups with several messages each: all arrive once, no 429, in order."""
    api = LimitedTelegram()
    bot = make_bot(api, on_blocked=on_blocked_hook(session_factory))
    items = [(f"p{i}", 1000 + i) for i in range(45)]
    items += [(f"g{g}-{n}", -200 - g) for n in range(3) for g in range(2)]
    await queue(session, clock, *items)
    while (await deliver_due(session_factory, bot, clock=clock, limit=20)).handled:
        pass
    await bot.session.close()
    assert api.rejected == []
    assert sorted(chat for chat, _ in api.delivered()) == sorted(chat for _, chat in items)
    group_texts = [r.text for r in api.sent(chat_id=-200)]
    assert group_texts == ["msg g0-0", "msg g0-1", "msg g0-2"]
    stored = await rows(session)
    assert {r.status for r in stored.values()} == {OutboxStatus.SENT}
    times = [t for t, chat, _ in api.accepted if chat == -201]
    assert all(b - a >= 3.0 for a, b in itertools.pairwise(times))  # 20/min
