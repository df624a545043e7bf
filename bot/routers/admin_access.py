"""Who is an organiser: /grant and /revoke (super-admins), /organisers and /audit (paged)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import TypedDict

from aiogram import Bot
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_common import admin_router
from bot.commands import organiser_menu
from bot.competition_views import local_text
from bot.long_text import page_text, paginate, show_page, titled, with_pages
from chat.turn import Turn
from config import Settings
from contest.admin import access
from contest.organisers import find_worker_by_username
from i18n import t

router = admin_router(__name__)
AUDIT_PAGE = 15


@dataclass(frozen=True)
class Target:
    telegram_id: int
    label: str
    competition_id: int | None

    def scope(self) -> Scope:
        """Whom to grant or revoke, and where (None: every competition)."""
        return {"telegram_id": self.telegram_id, "competition_id": self.competition_id}


class Scope(TypedDict):
    telegram_id: int
    competition_id: int | None


def _replied_user(message: Message) -> tuple[int, str] | None:
    """The user behind the replied-to message: the forward's author, else its sender."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None:
        return None
    origin = replied.forward_origin
    user = getattr(origin, "sender_user", None) if origin else None
    user = user or (replied.from_user if not replied.from_user.is_bot else None)
    if user is None:
        return None
    return user.id, user.full_name


async def _target(message: Message, command: CommandObject, session: AsyncSession) -> Target | str:
    """The user to grant/revoke and the optional competition id, or the reason why not."""
    parts = (command.args or "").split()
    who = _replied_user(message)
    if who is None:
        if not parts:
            return "usage"
        first = parts.pop(0)
        if first.startswith("@"):
            worker = await find_worker_by_username(session, username=first)
            if worker is None or worker.telegram_id is None:
                return "not_found:" + first
            who = (worker.telegram_id, worker.real_name or first)
        elif first.isdigit():
            who = (int(first), first)
        else:
            return "usage"
    if len(parts) > 1 or (parts and not parts[0].lstrip("#").isdigit()):
        return "usage"
    competition_id = int(parts[0].lstrip("#")) if parts else None
    return Target(who[0], who[1], competition_id)


def _scope(competition_id: int | None, lang: str) -> str:
    if competition_id is None:
        return t("admin.access.scope_all", lang)
    return t("admin.access.scope_one", lang, competition_id=competition_id)


def _user(telegram_id: int, label: str) -> str:
    if label and label != str(telegram_id):
        return f"{html.escape(label)} (<code>{telegram_id}</code>)"
    return f"<code>{telegram_id}</code>"


async def _resolve(message: Message, command: CommandObject, turn: Turn) -> Target | None:
    target = await _target(message, command, turn.session)
    if target == "usage":
        await message.answer(t(f"admin.access.{command.command}_usage", turn.lang))
        return None
    if isinstance(target, str):
        who = html.escape(target.split(":", 1)[1])
        await message.answer(t("admin.access.user_not_found", turn.lang, who=who))
        return None
    return target


@router.message(Command("grant"))
async def grant(message: Message, turn: Turn, bot: Bot, command: CommandObject) -> None:
    target = await _resolve(message, command, turn)
    if target is None:
        return
    result = await access.grant(turn.session, actor=turn.acting, clock=turn.wall, **target.scope())
    key = "admin.access.granted" if result.created else "admin.access.already"
    user = _user(target.telegram_id, target.label)
    await message.answer(
        t(key, turn.lang, user=user, scope=_scope(target.competition_id, turn.lang))
    )
    await organiser_menu(bot, target.telegram_id)


@router.message(Command("revoke"))
async def revoke(message: Message, turn: Turn, bot: Bot, command: CommandObject) -> None:
    target = await _resolve(message, command, turn)
    if target is None:
        return
    removed = await access.revoke(
        turn.session, actor=turn.acting, clock=turn.wall, **target.scope()
    )
    user = _user(target.telegram_id, target.label)
    if removed and target.competition_id is None:
        await organiser_menu(bot, target.telegram_id, show=False)
    if removed:
        await message.answer(t("admin.access.revoked", turn.lang, user=user, count=removed))
    else:
        await message.answer(t("admin.access.not_organiser", turn.lang, user=user))


async def show_organisers(
    message: Message, turn: Turn, settings: Settings, *, page: int = 0, edit: bool = False
) -> None:
    rows = await access.organisers(turn.session, actor=turn.acting, clock=turn.wall)
    admins = ", ".join(str(i) for i in sorted(settings.admin_ids)) or "—"
    if not rows:
        await show_page(
            message, t("admin.access.no_organisers", turn.lang, admins=admins), None, edit=edit
        )
        return
    lines = [
        t(
            "admin.access.organiser_line",
            turn.lang,
            user=_user(row.telegram_id, ""),
            scope=_scope(row.competition_id, turn.lang),
            granted_by=row.granted_by,
            granted_at=local_text(row.granted_at, turn.tz),
        )
        for row in rows
    ]
    pages = paginate(lines)
    text, page = page_text(
        t("admin.access.organisers_title", turn.lang, admins=admins), pages, page, turn.lang
    )
    await show_page(
        message, text, with_pages([], "organisers", page, len(pages), turn.lang), edit=edit
    )


async def show_audit(message: Message, turn: Turn, *, page: int = 0, edit: bool = False) -> None:
    found = await access.audit_log(
        turn.session, actor=turn.acting, clock=turn.wall, offset=page * AUDIT_PAGE, limit=AUDIT_PAGE
    )
    if not found.total:
        await show_page(message, t("admin.access.no_audit", turn.lang), None, edit=edit)
        return
    lines = []
    for entry in found.entries:
        detail = json.dumps(entry.detail, ensure_ascii=False)[:120] if entry.detail else ""
        lines.append(
            t(
                "admin.access.audit_line",
                turn.lang,
                when=local_text(entry.created_at, turn.tz),
                actor=entry.actor_id,
                action=html.escape(entry.action),
                outcome=html.escape(entry.outcome),
                detail=html.escape(detail),
            )
        )
    pages = -(-found.total // AUDIT_PAGE)  # read a page at a time: the log only grows
    text = titled(
        t("admin.access.audit_title", turn.lang, count=found.total), lines, page, pages, turn.lang
    )
    await show_page(message, text, with_pages([], "audit", page, pages, turn.lang), edit=edit)


@router.message(Command("organisers"))
async def organisers(message: Message, turn: Turn, settings: Settings) -> None:
    await show_organisers(message, turn, settings)


@router.message(Command("audit"))
async def audit_log(message: Message, turn: Turn) -> None:
    await show_audit(message, turn)
