"""Who is an organiser: /grant and /revoke (super-admins), /organisers and /audit."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_common import OrganiserFilter, contest_error_text, refuse
from bot.competition_views import local_text
from config import Settings
from contest.errors import ContestError
from contest.organisers import (
    audit,
    find_worker_by_username,
    grant_organiser,
    latest_audit,
    list_organisers,
    revoke_organiser,
)
from i18n import t
from storage.types import Clock

router = Router(name=__name__)

SUPER_COMMANDS = ("grant", "revoke")
COMMANDS = ("organisers", "audit")
AUDIT_LIMIT = 20


@dataclass(frozen=True)
class Target:
    telegram_id: int
    label: str
    competition_id: int | None


def _replied_user(message: Message) -> tuple[int, str] | None:
    """The user behind the replied-to message: the forward's author, else its sender."""
    replied = message.reply_to_message
    if replied is None:
        return None
    assert replied.from_user is not None  # always set in a private chat
    origin = replied.forward_origin
    user = getattr(origin, "sender_user", None) if origin else None
    user = user or (replied.from_user if not replied.from_user.is_bot else None)
    if user is None:
        return None
    return user.id, user.full_name


async def _target(message: Message, command: CommandObject, session: AsyncSession) -> Target | str:
    """The user to grant/revoke and the optional competition id, or the reason why not."""
    parts = (command.args or "").split()
    replied = _replied_user(message)
    who: tuple[int, str] | None = replied
    if replied is None:
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
    assert who is not None
    return Target(who[0], who[1], competition_id)


def _scope(competition_id: int | None, lang: str) -> str:
    if competition_id is None:
        return t("admin.access.scope_all", lang)
    return t("admin.access.scope_one", lang, competition_id=competition_id)


def _user(telegram_id: int, label: str) -> str:
    if label and label != str(telegram_id):
        return f"{html.escape(label)} (<code>{telegram_id}</code>)"
    return f"<code>{telegram_id}</code>"


async def _resolve(
    message: Message, command: CommandObject, session: AsyncSession, lang: str
) -> Target | None:
    target = await _target(message, command, session)
    if target == "usage":
        await message.answer(t(f"admin.access.{command.command}_usage", lang))
        return None
    if isinstance(target, str):
        who = html.escape(target.split(":", 1)[1])
        await message.answer(t("admin.access.user_not_found", lang, who=who))
        return None
    return target


@router.message(Command("grant"), OrganiserFilter(super_admin=True))
async def grant(
    message: Message, command: CommandObject, session: AsyncSession, lang: str, clock: Clock
) -> None:
    target = await _resolve(message, command, session, lang)
    if target is None:
        return
    assert message.from_user is not None
    actor = message.from_user.id
    detail = {"telegram_id": target.telegram_id, "competition_id": target.competition_id}
    try:
        result = await grant_organiser(
            session, telegram_id=target.telegram_id, granted_by=actor,
            competition_id=target.competition_id, clock=clock,
        )  # fmt: skip
    except ContestError as exc:
        await audit(session, actor_id=actor, action="grant", detail=detail, outcome="error",
                    clock=clock)  # fmt: skip
        await message.answer(contest_error_text(exc, lang))
        return
    outcome = "ok" if result.created else "unchanged"
    await audit(session, actor_id=actor, action="grant", detail=detail, outcome=outcome,
                clock=clock)  # fmt: skip
    key = "admin.access.granted" if result.created else "admin.access.already"
    user = _user(target.telegram_id, target.label)
    await message.answer(t(key, lang, user=user, scope=_scope(target.competition_id, lang)))


@router.message(Command("revoke"), OrganiserFilter(super_admin=True))
async def revoke(
    message: Message, command: CommandObject, session: AsyncSession, lang: str, clock: Clock
) -> None:
    target = await _resolve(message, command, session, lang)
    if target is None:
        return
    removed = await revoke_organiser(
        session, telegram_id=target.telegram_id, competition_id=target.competition_id
    )
    detail = {"telegram_id": target.telegram_id, "competition_id": target.competition_id}
    assert message.from_user is not None
    await audit(session, actor_id=message.from_user.id, action="revoke", detail=detail,
                outcome="ok" if removed else "unchanged", clock=clock)  # fmt: skip
    user = _user(target.telegram_id, target.label)
    if removed:
        await message.answer(t("admin.access.revoked", lang, user=user, count=removed))
    else:
        await message.answer(t("admin.access.not_organiser", lang, user=user))


@router.message(Command("organisers"), OrganiserFilter())
async def organisers(
    message: Message, session: AsyncSession, lang: str, settings: Settings
) -> None:
    rows = await list_organisers(session)
    admins = ", ".join(str(i) for i in sorted(settings.admin_ids)) or "—"
    if not rows:
        await message.answer(t("admin.access.no_organisers", lang, admins=admins))
        return
    lines = [t("admin.access.organisers_title", lang, admins=admins)]
    for row in rows:
        lines.append(t(
            "admin.access.organiser_line", lang, user=_user(row.telegram_id, ""),
            scope=_scope(row.competition_id, lang), granted_by=row.granted_by,
            granted_at=local_text(row.granted_at, settings.timezone),
        ))  # fmt: skip
    await message.answer("\n".join(lines))


@router.message(Command("audit"), OrganiserFilter())
async def audit_log(message: Message, session: AsyncSession, lang: str, settings: Settings) -> None:
    entries = await latest_audit(session, limit=AUDIT_LIMIT)
    if not entries:
        await message.answer(t("admin.access.no_audit", lang))
        return
    lines = [t("admin.access.audit_title", lang, count=len(entries))]
    for entry in entries:
        detail = json.dumps(entry.detail, ensure_ascii=False)[:120] if entry.detail else ""
        lines.append(t(
            "admin.access.audit_line", lang, when=local_text(entry.created_at, settings.timezone),
            actor=entry.actor_id, action=html.escape(entry.action),
            outcome=html.escape(entry.outcome), detail=html.escape(detail),
        ))  # fmt: skip
    await message.answer("\n".join(lines))


@router.message(Command(*SUPER_COMMANDS))
async def refuse_grant(message: Message, session: AsyncSession, lang: str, clock: Clock) -> None:
    await refuse(message, session, lang=lang, clock=clock, key="admin.refused_super")


@router.message(Command(*COMMANDS))
async def refuse_others(message: Message, session: AsyncSession, lang: str, clock: Clock) -> None:
    await refuse(message, session, lang=lang, clock=clock)
