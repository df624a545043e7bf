"""Router: 错题本 — /mistakes retries the questions a worker got wrong (practice, and
competitions once closed), as a practice round; the close's review points here."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import Registered, install
from bot.screens import show
from config import Settings
from contest import attempts
from contest.mistakes import mistake_questions
from contest.models import Worker
from i18n import t
from storage.types import Clock, fixed_clock

router = install(Router(name=__name__))
router.message.filter(Registered())


@router.message(Command("mistakes"))
async def on_mistakes(
    message: Message,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    clock: Clock,
    received_at: datetime,
    settings: Settings,
    bot: Bot,
) -> None:
    book = await mistake_questions(session, worker_id=int(worker.id or 0))
    item = await attempts.start_practice(
        session, worker=worker, clock=fixed_clock(received_at), tz=settings.timezone,
        mistakes=True,
    )  # fmt: skip
    note = t("mistakes.started", lang, n=len(book), round=min(len(book), attempts.ROUND))
    await show(bot, session, item, lang, chat_id=message.chat.id, note=note, clock=clock)
