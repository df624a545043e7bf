"""/broadcast: preview, confirmation, one outbox row per worker, never twice, progress."""

from __future__ import annotations

import copy

from aiogram import Bot
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.models import Worker
from scheduler.models import OutboxMessage, OutboxStatus
from tests.bot.admin_fixtures import add_competition, add_worker, audit_entries, texts
from tests.fakes.chat import ChatDriver


async def outbox(factory: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with factory() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.chat_id)
        return list((await session.execute(query)).scalars())


async def prepare(factory: async_sessionmaker[AsyncSession]) -> int:
    competition = await add_competition(factory)
    for telegram_id in (7001, 7002, 7003):
        await add_worker(factory, telegram_id=telegram_id)
    async with factory() as session:  # one worker blocked the bot
        await session.execute(update(Worker).where(Worker.telegram_id == 7003).values(active=False))
        await session.commit()
    assert competition.id is not None
    return competition.id


async def test_broadcast_previews_then_queues_one_row_per_worker_once(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    competition_id = await prepare(session_factory)
    assert "消息内容" in texts(await admin_chat.send(f"/broadcast {competition_id}"))
    preview = await admin_chat.send("今晚 18:00 公布排名 <注意>")
    assert "将发送给 2 人" in preview[-1].text and "&lt;注意&gt;" in preview[-1].text
    assert await outbox(session_factory) == []
    stale = copy.deepcopy(admin_chat.last_keyboard_message())
    sent = await admin_chat.press("确认发送")
    assert "共 2" in texts(sent) and "待发送 2" in texts(sent)
    rows = await outbox(session_factory)
    assert [r.chat_id for r in rows] == [7001, 7002]
    assert all(r.dedup_key.startswith(f"broadcast:{competition_id}-") for r in rows)
    assert "&lt;注意&gt;" in rows[0].text
    again = await admin_chat.press("确认发送", stale)
    assert "不会重复发送" in again[-1].text
    assert len(await outbox(session_factory)) == 2
    assert [e.action for e in await audit_entries(session_factory)] == ["broadcast.queue"]


async def test_progress_refreshes_with_the_outbox(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession], bot: Bot
) -> None:
    competition_id = await prepare(session_factory)
    await admin_chat.send(f"/broadcast {competition_id}")
    await admin_chat.send("通知")
    await admin_chat.press("确认发送")
    async with session_factory() as session:
        await session.execute(update(OutboxMessage).where(OutboxMessage.chat_id == 7001)
                              .values(status=OutboxStatus.SENT))  # fmt: skip
        await session.execute(update(OutboxMessage).where(OutboxMessage.chat_id == 7002)
                              .values(status=OutboxStatus.BLOCKED))  # fmt: skip
        await session.commit()
    refreshed = await admin_chat.press("刷新进度")
    assert "群发完成" in texts(refreshed) and "被屏蔽 1" in texts(refreshed)
    unchanged = await admin_chat.press("刷新进度")  # "message is not modified" is fine
    assert unchanged[-1].method in {"editMessageText", "answerCallbackQuery"}


async def test_cancel_queues_nothing(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    competition_id = await prepare(session_factory)
    await admin_chat.send(f"/broadcast {competition_id}")
    assert "已取消" in texts(await admin_chat.send("/cancel"))
    await admin_chat.send(f"/broadcast {competition_id}")
    await admin_chat.send("通知")
    stale = copy.deepcopy(admin_chat.last_keyboard_message())
    await admin_chat.press("取消")
    assert "不会重复发送" in texts(await admin_chat.press("确认发送", stale))
    assert await outbox(session_factory) == []


async def test_broadcast_needs_an_existing_competition(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    assert "没有可以操作的竞赛" in texts(await admin_chat.send("/broadcast"))
    assert "用法" in texts(await admin_chat.send("/broadcast x"))
    assert "找不到" in texts(await admin_chat.send("/broadcast 42"))
