"""Router (groups): /bind [competition id] [zh|en] and /unbind, for leaderboard announcements.

Typed without a number, /bind offers the organiser's competitions as buttons; whoever
presses one is checked by the core like any other organiser action.
"""

from __future__ import annotations

from html import escape

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.admin_common import PickCb, admin_router, offer
from chat.turn import Turn
from contest.admin import chats
from contest.chats import BindOutcome
from i18n import LANGUAGES, t

router = admin_router(__name__)


async def _bind(message: Message, turn: Turn, competition_id: int, language: str) -> None:
    result = await chats.bind(
        turn.session,
        actor=turn.acting,
        competition_id=competition_id,
        chat_id=message.chat.id,
        title=message.chat.title or "",
        language=language,
        clock=turn.wall,
    )
    key = "bound" if result.outcome is BindOutcome.BOUND else "already"
    await message.answer(
        t(f"scheduler.bind.{key}", turn.lang, name=escape(result.competition_name))
    )


@router.message(Command("bind"))
async def on_bind(message: Message, turn: Turn, command: CommandObject) -> None:
    args = (command.args or "").split()
    language = args[1].lower() if len(args) == 2 else "zh"  # groups read Chinese by default
    if not args:
        await offer(message, turn, "bind")
    elif len(args) > 2 or not args[0].lstrip("#").isdigit() or language not in LANGUAGES:
        await message.answer(t("scheduler.bind.usage", turn.lang))
    else:
        await _bind(message, turn, int(args[0].lstrip("#")), language)


@router.callback_query(PickCb.filter(F.action == "bind"))
async def on_bind_button(query: CallbackQuery, turn: Turn, callback_data: PickCb) -> None:
    assert isinstance(query.message, Message)
    await _bind(query.message, turn, callback_data.c, "zh")
    await query.answer()


@router.message(Command("unbind"))
async def on_unbind(message: Message, turn: Turn) -> None:
    removed = await chats.unbind(
        turn.session, actor=turn.acting, chat_id=message.chat.id, clock=turn.wall
    )
    if removed:
        await message.answer(t("scheduler.bind.unbound", turn.lang, count=removed))
    else:
        await message.answer(t("scheduler.bind.nothing", turn.lang))
