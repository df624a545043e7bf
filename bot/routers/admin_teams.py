"""Teams for organisers: /teams lists the hierarchy with join links (paged), /move re-teams
a worker (organisers of all competitions only: it changes every competition's teams)."""

from __future__ import annotations

import html

from aiogram import Bot
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.deep_linking import create_start_link
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_common import admin_router
from bot.long_text import page_text, paginate, show_page, with_pages
from contest.admin import people
from contest.admin.policy import Actor
from i18n import t
from storage.types import Clock

router = admin_router(__name__)


async def show_teams(
    message: Message,
    bot: Bot,
    session: AsyncSession,
    actor: Actor,
    lang: str,
    clock: Clock,
    *,
    page: int = 0,
    edit: bool = False,
) -> None:
    teams = await people.teams(session, actor=actor, clock=clock)
    if not teams:
        await show_page(message, t("admin.teams.none", lang), None, edit=edit)
        return
    lines = [
        t(
            "admin.teams.line",
            lang,
            indent="　" * team.depth,
            kind=html.escape(team.kind),
            name=html.escape(team.path[-1]),
            members=team.members,
            code=team.join_code,
            link=await create_start_link(bot, team.join_code),
        )
        for team in teams
    ]
    pages = paginate(lines, max_lines=20)
    text, page = page_text(t("admin.teams.title", lang, count=len(teams)), pages, page, lang)
    await show_page(message, text, with_pages([], "teams", page, len(pages), lang), edit=edit)


@router.message(Command("teams"))
async def list_teams(
    message: Message, bot: Bot, session: AsyncSession, actor: Actor, lang: str, clock: Clock
) -> None:
    await show_teams(message, bot, session, actor, lang, clock)


@router.message(Command("move"))
async def move(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Actor,
    lang: str,
    clock: Clock,
) -> None:
    """/move <工号 | @username | Telegram id> <team join code>."""
    parts = (command.args or "").split()
    if len(parts) != 2:
        await message.answer(t("admin.teams.move_usage", lang))
        return
    moved = await people.move(
        session, actor=actor, worker_ref=parts[0], join_code=parts[1], clock=clock
    )
    await message.answer(
        t(
            "admin.teams.moved",
            lang,
            name=html.escape(moved.worker.real_name),
            team=html.escape(moved.team.name),
        )
    )
