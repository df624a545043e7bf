"""Router: /playoff — the 加赛 of workers tied on score at the top (``contest.playoff``)."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import Registered, install
from bot.screens import show
from config import Settings
from contest.models import Worker
from contest.playoff import play_playoff
from storage.types import Clock, fixed_clock

router = install(Router(name=__name__))
router.message.filter(Registered())


@router.message(Command("playoff"))
async def on_playoff(
    message: Message,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    clock: Clock,
    received_at: datetime,
    settings: Settings,
    bot: Bot,
) -> None:
    item = await play_playoff(
        session, worker=worker, clock=fixed_clock(received_at), tz=settings.timezone
    )
    await show(bot, session, item, lang, chat_id=message.chat.id, clock=clock)
