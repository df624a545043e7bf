"""Router (groups): /bind <competition id> and /unbind, by an organiser, for announcements."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.roles import is_organiser
from config import Settings
from contest.organisers import audit
from i18n import LANGUAGES, t
from scheduler.targets import BindOutcome, bind_chat, unbind_chat
from storage.types import Clock

router = Router(name=__name__)


@router.message(Command("bind"))
async def on_bind(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    settings: Settings,
    lang: str,
    clock: Clock,
) -> None:
    assert message.from_user is not None
    args = (command.args or "").split()
    language = args[1].lower() if len(args) == 2 else "zh"  # groups read Chinese by default
    if not 1 <= len(args) <= 2 or not args[0].isdigit() or language not in LANGUAGES:
        await message.answer(t("scheduler.bind.usage", lang))
        return
    competition_id = int(args[0])
    user_id = message.from_user.id
    if not await is_organiser(
        session, settings=settings, telegram_id=user_id, competition_id=competition_id
    ):
        await audit(session, actor_id=user_id, action="/bind", outcome="denied", clock=clock)
        await message.answer(t("scheduler.bind.not_organiser", lang))
        return
    result = await bind_chat(
        session,
        competition_id=competition_id,
        chat_id=message.chat.id,
        title=message.chat.title or "",
        created_by=user_id,
        language=language,
        clock=clock,
    )
    if result.outcome is BindOutcome.NOT_FOUND:
        await message.answer(t("scheduler.bind.not_found", lang, id=competition_id))
        return
    key = "bound" if result.outcome is BindOutcome.BOUND else "already"
    detail = {"competition_id": competition_id, "chat_id": message.chat.id}
    await audit(session, actor_id=user_id, action="bind", detail=detail, clock=clock)
    await message.answer(t(f"scheduler.bind.{key}", lang, name=escape(result.competition_name)))


@router.message(Command("unbind"))
async def on_unbind(
    message: Message, session: AsyncSession, settings: Settings, lang: str, clock: Clock
) -> None:
    assert message.from_user is not None
    user_id = message.from_user.id
    if not await is_organiser(session, settings=settings, telegram_id=user_id):
        await audit(session, actor_id=user_id, action="/unbind", outcome="denied", clock=clock)
        await message.answer(t("scheduler.bind.not_organiser", lang))
        return
    removed = await unbind_chat(session, chat_id=message.chat.id)
    detail = {"chat_id": message.chat.id, "removed": removed}
    await audit(session, actor_id=user_id, action="unbind", detail=detail, clock=clock)
    if removed:
        await message.answer(t("scheduler.bind.unbound", lang, count=removed))
    else:
        await message.answer(t("scheduler.bind.nothing", lang))
