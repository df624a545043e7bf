"""Teams for organisers: /teams lists the hierarchy with join links, /move re-teams a worker."""

from __future__ import annotations

import html

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.deep_linking import create_start_link
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_common import OrganiserFilter, contest_error_text, refuse
from contest.errors import ContestError
from contest.organisers import audit
from contest.teams import find_worker, get_team_by_join_code, move_worker, team_overview
from i18n import t
from storage.types import Clock

router = Router(name=__name__)

COMMANDS = ("teams", "move")
TEXT_LIMIT = 4000  # Telegram refuses texts over 4096 characters


def chunk_lines(lines: list[str], limit: int = TEXT_LIMIT) -> list[str]:
    """Join lines into as few messages as fit Telegram's text limit, never splitting a line."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


@router.message(Command("teams"), OrganiserFilter())
async def list_teams(message: Message, bot: Bot, session: AsyncSession, lang: str) -> None:
    teams = await team_overview(session)
    if not teams:
        await message.answer(t("admin.teams.none", lang))
        return
    lines = [t("admin.teams.title", lang, count=len(teams))]
    for team in teams:
        link = await create_start_link(bot, team.join_code)
        lines.append(
            t(
                "admin.teams.line", lang,
                indent="　" * team.depth, kind=html.escape(team.kind),
                name=html.escape(team.path[-1]), members=team.members,
                code=team.join_code, link=link,
            )
        )  # fmt: skip
    for chunk in chunk_lines(lines):
        await message.answer(chunk, disable_web_page_preview=True)


@router.message(Command("move"), OrganiserFilter())
async def move(
    message: Message, command: CommandObject, session: AsyncSession, lang: str, clock: Clock
) -> None:
    """/move <工号 | @username | Telegram id> <team join code> — organisers may move anyone."""
    parts = (command.args or "").split()
    if len(parts) != 2:
        await message.answer(t("admin.teams.move_usage", lang))
        return
    worker = await find_worker(session, ref=parts[0])
    team = await get_team_by_join_code(session, join_code=parts[1])
    if worker is None or team is None or worker.id is None or team.id is None:
        missing = "worker_not_found" if worker is None else "team_not_found"
        await message.answer(contest_error_text(ContestError(missing), lang))
        return
    actor = message.from_user.id if message.from_user else 0
    try:
        await move_worker(
            session, worker_id=worker.id, team_id=team.id, by_organiser=True, clock=clock
        )
    except ContestError as exc:
        await message.answer(contest_error_text(exc, lang))
        return
    await audit(
        session, actor_id=actor, action="move",
        detail={"worker_id": worker.id, "team_id": team.id}, clock=clock,
    )  # fmt: skip
    await message.answer(
        t("admin.teams.moved", lang, name=html.escape(worker.real_name),
          team=html.escape(team.name))
    )  # fmt: skip


@router.message(Command(*COMMANDS))
async def refused(message: Message, session: AsyncSession, lang: str, clock: Clock) -> None:
    await refuse(message, session, lang=lang, clock=clock)
