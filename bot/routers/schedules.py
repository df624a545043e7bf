"""Router: a worker's notification settings — /mute, /unmute, /practice_push."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import Registered
from contest.models import Worker
from contest.preferences import set_muted, set_practice_push
from i18n import t

router = Router(name=__name__)


@router.message(Command("mute", "unmute"), Registered())
async def on_mute(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    worker: Worker,
    lang: str,
) -> None:
    assert worker.id is not None
    muted = command.command == "mute"
    await set_muted(session, worker_id=worker.id, muted=muted)
    await message.answer(t("scheduler.prefs.muted" if muted else "scheduler.prefs.unmuted", lang))


@router.message(Command("practice_push"), Registered())
async def on_practice_push(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    worker: Worker,
    lang: str,
) -> None:
    assert worker.id is not None
    choice = (command.args or "").strip().lower()
    if choice not in {"on", "off", "开", "关"}:
        await message.answer(t("scheduler.prefs.practice_usage", lang))
        return
    enabled = choice in {"on", "开"}
    await set_practice_push(session, worker_id=worker.id, enabled=enabled)
    await message.answer(
        t("scheduler.prefs.practice_on" if enabled else "scheduler.prefs.practice_off", lang)
    )
