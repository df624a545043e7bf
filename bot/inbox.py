"""The ``inbox`` table's writes for the intake (:mod:`bot.intake`): store what arrived, run
the handlers' deferred bookkeeping, mark what finished. All inside the caller's transaction:
the intake commits them together, one commit for everything a turn collected. And the one
message the intake itself sends: an update it finally could not handle."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.types import Update
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.context import Write
from bot.language import language_of
from bot.models import InboxStatus, InboxUpdate
from i18n import t
from storage.upsert import upsert

logger = logging.getLogger(__name__)

BATCH_ROWS = 500  # ids per IN list

_INBOX = InboxUpdate.__table__  # type: ignore[attr-defined]
_KNOWN = select(_INBOX.c.update_id).where(_INBOX.c.update_id.in_(bindparam("ids", expanding=True)))
_INSERT = insert(_INBOX)


@dataclass(frozen=True)
class Arrival:
    """An update as it reached us: its id, its JSON, and when."""

    update_id: int
    payload: dict[str, Any]
    received_at: datetime


async def store(session: AsyncSession, arrivals: list[Arrival], *, owner: str) -> set[int]:
    """Insert the arrivals not stored yet, owned by ``owner``; the ids that were new.

    Two cacheable statements per batch (which ids are there, then a plain insert of the
    rest) rather than ``INSERT … ON CONFLICT DO NOTHING``, whose compiled form SQLAlchemy
    cannot cache. Two processes inserting the same update at once (PostgreSQL) makes
    the insert fail; the batch then goes row by row with ``ON CONFLICT``.
    """
    unique = {a.update_id: a for a in arrivals}
    if not unique:
        return set()
    ids, known = list(unique), set[int]()
    for start in range(0, len(ids), BATCH_ROWS):  # bound the IN list
        chunk = ids[start : start + BATCH_ROWS]
        known.update((await session.execute(_KNOWN, {"ids": chunk})).scalars())
    fresh = [a for update_id, a in unique.items() if update_id not in known]
    if not fresh:
        return set()
    rows = [_row(a, owner) for a in fresh]
    # SQLite's BEGIN IMMEDIATE holds the write lock from the check on, so the insert
    # cannot meet a row stored meanwhile; PostgreSQL needs the savepoint to recover.
    racy = session.get_bind().dialect.name != "sqlite"
    try:
        async with session.begin_nested() if racy else contextlib.nullcontext():
            await session.execute(_INSERT, rows)
        return {a.update_id for a in fresh}
    except IntegrityError:
        new = set()
        for row in rows:
            update_id = row.pop("update_id")
            keys = {"update_id": update_id}
            if await upsert(session, InboxUpdate, keys=keys, values=row, update=False):
                new.add(update_id)
        return new


def _row(arrival: Arrival, owner: str) -> dict[str, Any]:
    return {
        "update_id": arrival.update_id,
        "payload": arrival.payload,
        "received_at": arrival.received_at,
        "owner": owner,
        "status": InboxStatus.PENDING.value,
        "tries": 0,
    }


async def write_later(session: AsyncSession, later: list[Write]) -> None:
    """The handlers' deferred bookkeeping, under one savepoint; when one write fails,
    they go again one savepoint each, and the failing one is logged, not the batch."""
    if not later:
        return
    try:
        async with session.begin_nested():
            for write in later:
                await write(session)
        return
    except Exception:
        logger.info("a deferred write failed; retrying them one by one")
    for write in later:
        try:
            async with session.begin_nested():
                await write(session)
        except Exception:
            logger.exception("a deferred write failed")


async def mark(session: AsyncSession, finished: dict[int, InboxStatus], *, now: datetime) -> None:
    """Mark the finished updates done or failed, as of ``now``."""
    for status in (InboxStatus.DONE, InboxStatus.FAILED):
        ids = [update_id for update_id, s in finished.items() if s is status]
        for start in range(0, len(ids), BATCH_ROWS):
            await session.execute(
                update(InboxUpdate)
                .where(col(InboxUpdate.update_id).in_(ids[start : start + BATCH_ROWS]))
                .values(status=status.value, done_at=now)
                .execution_options(synchronize_session=False)
            )


async def oldest_waiting(session: AsyncSession) -> datetime | None:
    """The receipt time of the oldest update taken but not handled yet, by any process
    (the scheduler keeps a question open while a tap that came in time may still wait)."""
    return await session.scalar(
        select(func.min(col(InboxUpdate.received_at))).where(
            col(InboxUpdate.status) == InboxStatus.PENDING
        )
    )


async def tell_given_up(bot: Bot, update_obj: Update) -> None:
    """Tell the worker, in their language, that this update was not handled (never raises)."""
    query, message = update_obj.callback_query, update_obj.message
    user = query.from_user if query else message.from_user if message else None
    chat_id = (
        message.chat.id if message else query.message.chat.id if query and query.message else None
    )
    if chat_id is None and user is not None:
        chat_id = user.id  # a private chat's id is the user's
    if chat_id is None:
        return
    lang = language_of(user, None)
    what = t("limits.what_tap" if query else "limits.what_message", lang)
    try:
        await bot.send_message(chat_id, t("limits.gave_up", lang, what=what))
    except Exception:
        logger.warning("could not tell chat %s its update was given up", chat_id, exc_info=True)
