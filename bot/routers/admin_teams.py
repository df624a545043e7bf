"""Teams for organisers: /teams lists the hierarchy with join links (paged), /move re-teams
a worker (organisers of all competitions only: it changes every competition's teams)."""

from __future__ import annotations

import html

from aiogram import Bot
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.deep_linking import create_start_link

from bot.admin_common import admin_router
from bot.long_text import page_text, paginate, show_page, with_pages
from chat.turn import Turn
from contest.admin import people
from i18n import t

router = admin_router(__name__)


async def show_teams(
    message: Message, bot: Bot, turn: Turn, *, page: int = 0, edit: bool = False
) -> None:
    teams = await people.teams(turn.session, actor=turn.acting, clock=turn.wall)
    if not teams:
        await show_page(message, t("admin.teams.none", turn.lang), None, edit=edit)
        return
    lines = [
        t(
            "admin.teams.line",
            turn.lang,
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
    text, page = page_text(
        t("admin.teams.title", turn.lang, count=len(teams)), pages, page, turn.lang
    )
    await show_page(message, text, with_pages([], "teams", page, len(pages), turn.lang), edit=edit)


@router.message(Command("teams"))
async def list_teams(message: Message, turn: Turn, bot: Bot) -> None:
    await show_teams(message, bot, turn)


@router.message(Command("move"))
async def move(message: Message, turn: Turn, command: CommandObject) -> None:
    """/move <工号 | @username | Telegram id> <team join code>."""
    parts = (command.args or "").split()
    if len(parts) != 2:
        await message.answer(t("admin.teams.move_usage", turn.lang))
        return
    moved = await people.move(
        turn.session, actor=turn.acting, worker_ref=parts[0], join_code=parts[1], clock=turn.wall
    )
    await message.answer(
        t(
            "admin.teams.moved",
            turn.lang,
            name=html.escape(moved.worker.real_name),
            team=html.escape(moved.team.name),
        )
    )
