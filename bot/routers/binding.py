"""Router (groups): /bind [competition id] [zh|en] and /unbind, for leaderboard announcements.

Typed without a number, /bind offers the organiser's competitions as buttons; whoever
presses one is checked by the core like any other organiser action.
"""

from __future__ import annotations

from html import escape

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_common import PickCb, admin_router, offer
from contest.admin import chats
from contest.admin.policy import Actor
from contest.chats import BindOutcome
from i18n import LANGUAGES, t
from storage.types import Clock

router = admin_router(__name__)


async def _bind(
    message: Message,
    session: AsyncSession,
    actor: Actor,
    competition_id: int,
    language: str,
    lang: str,
    clock: Clock,
) -> None:
    result = await chats.bind(
        session,
        actor=actor,
        competition_id=competition_id,
        chat_id=message.chat.id,
        title=message.chat.title or "",
        language=language,
        clock=clock,
    )
    key = "bound" if result.outcome is BindOutcome.BOUND else "already"
    await message.answer(t(f"scheduler.bind.{key}", lang, name=escape(result.competition_name)))


@router.message(Command("bind"))
async def on_bind(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Actor,
    lang: str,
    clock: Clock,
) -> None:
    args = (command.args or "").split()
    language = args[1].lower() if len(args) == 2 else "zh"  # groups read Chinese by default
    if not args:
        await offer(message, session, actor, "bind", lang, clock)
    elif len(args) > 2 or not args[0].lstrip("#").isdigit() or language not in LANGUAGES:
        await message.answer(t("scheduler.bind.usage", lang))
    else:
        await _bind(message, session, actor, int(args[0].lstrip("#")), language, lang, clock)


@router.callback_query(PickCb.filter(F.action == "bind"))
async def on_bind_button(
    query: CallbackQuery,
    callback_data: PickCb,
    session: AsyncSession,
    actor: Actor,
    lang: str,
    clock: Clock,
) -> None:
    assert isinstance(query.message, Message)
    await _bind(query.message, session, actor, callback_data.c, "zh", lang, clock)
    await query.answer()


@router.message(Command("unbind"))
async def on_unbind(
    message: Message, session: AsyncSession, actor: Actor, lang: str, clock: Clock
) -> None:
    removed = await chats.unbind(session, actor=actor, chat_id=message.chat.id, clock=clock)
    if removed:
        await message.answer(t("scheduler.bind.unbound", lang, count=removed))
    else:
        await message.answer(t("scheduler.bind.nothing", lang))
