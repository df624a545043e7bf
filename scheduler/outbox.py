"""The outbox (发件箱): every scheduled or broadcast message is a row first, then delivered.

``contest.outbox.enqueue`` writes a row, idempotent on ``dedup_key`` (one row per
announcement and chat); ``deliver_due`` here sends due rows through the bot, so
``bot.sender.TelegramLimits`` paces them.

Delivery guarantee. A row is *claimed* before it is sent: a compare-and-set moves its
``next_attempt_at`` ``CLAIM_SECONDS`` ahead, so two senders never take the same row. Right
after Telegram accepts the message the row is marked sent (with ``telegram_message_id``) in
its own transaction. If the process dies in the few milliseconds between Telegram accepting
and that commit, the claim expires and the row is sent again: we chose at-least-once for that
window, because a leaderboard that silently never arrives is worse than a rare duplicate.
Everywhere else delivery is exactly once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from contest.attempts.deadlines import still_showing
from contest.chats import mark_chat_unreachable
from contest.outbox import (
    APP_CHANNELS,
    OutboxMessage,
    OutboxStatus,
    batch_progress,
    enqueue,
    payload_of,
    pending_count,
)
from contest.robots import TELEGRAM, mark_robot_unreachable
from ops.metrics import count_error
from scheduler.delivery import telegram
from scheduler.delivery.robots import RobotSender
from storage.ids import id_of
from storage.types import Clock, utcnow

logger = logging.getLogger(__name__)
__all__ = ["DeliveryReport", "batch_progress", "deliver_due", "enqueue", "pending_count"]

CLAIM_SECONDS = 300  # a claimed row whose sender died becomes due again after this
MAX_TRIES = 6  # 5xx / network failures before a row is given up as failed
BACKOFF_SECONDS = 30.0  # first retry delay after a 5xx / network failure; doubles per try
MAX_BACKOFF_SECONDS = 3600.0
CONCURRENT_CHATS = 64  # chats served at once; the sender's buckets do the pacing
# Bad requests that mean "this chat is gone", not "this message is wrong".
_GONE = (
    "chat not found",
    "user not found",
    "peer_id_invalid",
    "bot was kicked",
    "user is deactivated",
    "chat_write_forbidden",
    "have no rights to send",
)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    retrying: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.failed + self.blocked + self.retrying


async def deliver_due(
    session_factory: async_sessionmaker[AsyncSession],
    bot: Bot | None,
    *,
    clock: Clock = utcnow,
    limit: int = 100,
    robots: RobotSender | None = None,
) -> DeliveryReport:
    """Claim up to ``limit`` due rows and send them: chats in parallel, each chat in order.

    Rows for group robots (``channel`` wecom / dingtalk / feishu) go through ``robots``; a
    robot row that must wait (its rate) takes the rest of that robot's rows with it, so a
    robot's messages still arrive in order. Without a ``bot`` (no BOT_TOKEN: a plant on the
    enterprise messengers alone) Telegram's rows are left alone, unclaimed."""
    rows = await _claim_due(session_factory, clock=clock, limit=limit, telegram=bot is not None)
    by_chat: dict[tuple[str, int], list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        by_chat[(row.channel, row.chat_id)].append(row)
    report = DeliveryReport()
    gate = asyncio.Semaphore(CONCURRENT_CHATS)
    robot_sender = robots or RobotSender(clock=clock)

    async def serve(messages: list[OutboxMessage]) -> None:
        async with gate:
            for i, message in enumerate(messages):
                if message.channel == TELEGRAM:
                    assert bot is not None  # claimed only with a bot
                    status = await _deliver_one(session_factory, bot, message, clock=clock)
                else:
                    status, wait = await _deliver_robot(
                        session_factory, robot_sender, message, clock=clock
                    )
                    if wait is not None:  # keep the robot's order: the rest waits too
                        for j, later in enumerate(messages[i + 1 :], start=1):
                            await _retry(
                                session_factory,
                                later,
                                wait + j * 0.001,
                                "waiting behind an earlier row",
                                clock=clock,
                            )
                        _count(report, None, len(messages) - i)
                        return
                _count(report, status)
                if status == OutboxStatus.BLOCKED:
                    _count(report, status, len(messages) - messages.index(message) - 1)
                    return

    try:
        await asyncio.gather(*(serve(messages) for messages in by_chat.values()))
    finally:
        if robots is None:
            await robot_sender.close()
    return report


def _count(report: DeliveryReport, status: OutboxStatus | None, n: int = 1) -> None:
    if status is None:
        report.retrying += n
    else:
        setattr(report, status.value, getattr(report, status.value) + n)


async def _claim_due(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    clock: Clock,
    limit: int,
    telegram: bool = True,
) -> list[OutboxMessage]:
    # The messengers' own senders take their app channels; Telegram's rows need a bot.
    others = (*APP_CHANNELS, TELEGRAM) if not telegram else APP_CHANNELS
    async with session_factory() as session:
        now = clock()
        due = (
            select(col(OutboxMessage.id))
            .where(
                col(OutboxMessage.status) == OutboxStatus.PENDING,
                col(OutboxMessage.next_attempt_at) <= now,
                col(OutboxMessage.channel).not_in(others),
            )
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        )
        ids = list((await session.execute(due)).scalars())
        if not ids:
            return []
        claim = (
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(ids),
                col(OutboxMessage.status) == OutboxStatus.PENDING,
                col(OutboxMessage.next_attempt_at) <= now,
            )
            .values(
                next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS),
                tries=col(OutboxMessage.tries) + 1,
            )
            .returning(col(OutboxMessage.id))
            .execution_options(synchronize_session=False)
        )
        claimed = list((await session.execute(claim)).scalars())
        await session.commit()
        query = select(OutboxMessage).where(col(OutboxMessage.id).in_(claimed))
        return sorted((await session.execute(query)).scalars(), key=lambda m: id_of(m))


async def _deliver_robot(
    session_factory: async_sessionmaker[AsyncSession],
    robots: RobotSender,
    message: OutboxMessage,
    *,
    clock: Clock,
) -> tuple[OutboxStatus | None, float | None]:
    """One claimed robot row; (status, None), or (None, seconds) when it must wait."""
    robot = await robots.address(session_factory, message)
    if robot is None:
        return await _give_up(session_factory, message, "robot unbound"), None
    try:
        verdict = await robots.send(robot, message)
    except Exception as exc:  # a bug must not stop the other chats; the claim expires
        logger.exception("outbox row %s could not be sent to robot %s", message.id, robot.robot_id)
        count_error("outbox", exc)
        return None, None
    if verdict.status == "sent":
        return await _finish(session_factory, message, OutboxStatus.SENT, sent_at=clock()), None
    if verdict.status == "later":
        await _retry(session_factory, message, verdict.delay, verdict.error, clock=clock)
        return None, verdict.delay
    if verdict.status == "gone":
        return await _give_up(session_factory, message, verdict.error), None
    if verdict.status == "error" and message.tries < MAX_TRIES:
        delay = min(BACKOFF_SECONDS * 2 ** (message.tries - 1), MAX_BACKOFF_SECONDS)
        await _retry(session_factory, message, delay, verdict.error, clock=clock)
        return None, delay
    return await _finish(session_factory, message, OutboxStatus.FAILED, error=verdict.error), None


async def _give_up(
    session_factory: async_sessionmaker[AsyncSession], message: OutboxMessage, error: str
) -> OutboxStatus:
    """The chat or robot is gone (403, chat not found, a robot removed from its group): this
    and its other pending rows are blocked, and nothing more is sent to it."""
    logger.info(
        "%s %s unreachable (%s); blocking its outbox rows", message.channel, message.chat_id, error
    )
    async with session_factory() as session:
        await session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.channel) == message.channel,
                col(OutboxMessage.chat_id) == message.chat_id,
                col(OutboxMessage.status) == OutboxStatus.PENDING,
            )
            .values(status=OutboxStatus.BLOCKED.value, last_error=error[:500])
        )
        if message.channel == TELEGRAM:
            await mark_chat_unreachable(session, chat_id=message.chat_id)
        else:
            await mark_robot_unreachable(session, robot_id=message.chat_id)
        await session.commit()
    return OutboxStatus.BLOCKED


async def _deliver_one(
    session_factory: async_sessionmaker[AsyncSession],
    bot: Bot,
    message: OutboxMessage,
    *,
    clock: Clock,
) -> OutboxStatus | None:
    """Send one claimed row and record the outcome; None means it will be retried."""
    if message.kind == "edit" and not await _still_due(session_factory, message):
        return await _finish(session_factory, message, OutboxStatus.SENT, sent_at=clock())
    try:
        sent = await telegram.send(bot, message)
    except telegram.CannotDraw as exc:
        logger.exception("outbox row %s: picture could not be drawn", message.id)
        return await _finish(session_factory, message, OutboxStatus.FAILED, error=str(exc))
    except TelegramForbiddenError as exc:
        return await _give_up(session_factory, message, str(exc))
    except TelegramBadRequest as exc:
        if message.kind == "edit" and "not modified" in str(exc).lower():
            return await _finish(session_factory, message, OutboxStatus.SENT, sent_at=clock())
        if any(marker in str(exc).lower() for marker in _GONE):
            return await _give_up(session_factory, message, str(exc))
        return await _finish(session_factory, message, OutboxStatus.FAILED, error=str(exc))
    except TelegramRetryAfter as exc:
        delay = float(exc.retry_after)
        await _retry(session_factory, message, delay, str(exc), clock=clock)
        return None
    except (TelegramNetworkError, TelegramServerError) as exc:
        if message.tries >= MAX_TRIES:
            return await _finish(session_factory, message, OutboxStatus.FAILED, error=str(exc))
        delay = min(BACKOFF_SECONDS * 2 ** (message.tries - 1), MAX_BACKOFF_SECONDS)
        await _retry(session_factory, message, delay, str(exc), clock=clock)
        return None
    except TelegramAPIError as exc:
        return await _finish(session_factory, message, OutboxStatus.FAILED, error=str(exc))
    except Exception as exc:  # a bug must not stop the other chats; the claim expires, retries
        logger.exception("outbox row %s could not be sent", message.id)
        count_error("outbox", exc)
        return None
    return await _finish(
        session_factory, message, OutboxStatus.SENT, message_id=sent.message_id, sent_at=clock()
    )


async def _still_due(
    session_factory: async_sessionmaker[AsyncSession], message: OutboxMessage
) -> bool:
    """An edit (a question's ⏰) is skipped once the chat has moved past what it replaces."""
    data = payload_of(message)
    async with session_factory() as session:
        return await still_showing(
            session,
            attempt_id=int(data["attempt_id"]),
            position=int(data["position"]),
            message_id=int(data["message_id"]),
        )


async def _finish(
    session_factory: async_sessionmaker[AsyncSession],
    message: OutboxMessage,
    status: OutboxStatus,
    *,
    error: str | None = None,
    message_id: int | None = None,
    sent_at: datetime | None = None,
) -> OutboxStatus:
    if status != OutboxStatus.SENT:
        logger.warning(
            "outbox row %s to chat %s %s: %s", message.id, message.chat_id, status.value, error
        )
    async with session_factory() as session:
        await session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message.id)
            .values(
                status=status.value,
                last_error=(error or None) and error[:500],
                telegram_message_id=message_id,
                sent_at=sent_at,
            )
        )
        await session.commit()
    return status


async def _retry(
    session_factory: async_sessionmaker[AsyncSession],
    message: OutboxMessage,
    delay: float,
    error: str,
    *,
    clock: Clock,
) -> None:
    logger.info("outbox row %s retries in %.0fs: %s", message.id, delay, error)
    async with session_factory() as session:
        await session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message.id)
            .values(next_attempt_at=clock() + timedelta(seconds=delay), last_error=error[:500])
        )
        await session.commit()
