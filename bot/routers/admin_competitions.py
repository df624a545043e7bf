"""Organisers manage competitions in chat: create (YAML file or /new_competition dialog),
list, open/close now, change times, participation per team (/stats), results (/export)."""

from __future__ import annotations

import html
import tempfile
from pathlib import Path
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, FSInputFile, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot import competition_dialog
from bot.admin_common import (
    OrganiserFilter,
    confirm_cancelled,
    contest_error_text,
    int_args,
    may_manage,
    refuse,
)
from bot.competition_views import (
    CompetitionAction,
    ask_save,
    competition_line,
    issues_text,
    parse_local,
    preview,
)
from config import Settings
from contest.competitions import (
    close_competition,
    create_competition,
    create_competition_from_yaml,
    get_competition,
    list_competitions,
    open_competition,
    parse_yaml,
    set_announcement_schedule,
    update_competition,
)
from contest.errors import ContestError, DefinitionRejected
from contest.export import export_results
from contest.models import Competition, CompetitionStatus
from contest.organisers import audit
from contest.participation import participation_by_team
from contest.uploads import COMPETITION
from i18n import t
from storage.types import Clock

router = Router(name=__name__)

COMMANDS = ("competitions", "open", "close", "set_times", "set_schedule", "stats", "export",
            "new_competition")  # fmt: skip


def _is_definition(message: Message) -> bool:
    name = (message.document.file_name or "") if message.document else ""
    return Path(name).suffix.lower() in COMPETITION


async def _act(
    session: AsyncSession, user_id: int, action: str, competition_id: int, clock: Clock,
    lang: str, call: Any, **kwargs: Any,
) -> str:  # fmt: skip
    """Run one competition service call, audit it, and say how it went."""
    detail = {"competition_id": competition_id, **{k: str(v) for k, v in kwargs.items()}}
    try:
        competition = await call(session, competition_id=competition_id, clock=clock, **kwargs)
    except ContestError as exc:
        await session.rollback()
        await audit(session, actor_id=user_id, action=action, detail=detail,
                    outcome=exc.code, clock=clock)  # fmt: skip
        return contest_error_text(exc, lang)
    await audit(session, actor_id=user_id, action=action, detail=detail, clock=clock)
    return t(f"admin.competitions.{action}_done", lang, line=competition_line(competition, lang))


async def _allowed(message: Message, session: AsyncSession, settings: Settings, lang: str,
                   competition_id: int) -> bool:  # fmt: skip
    assert message.from_user is not None
    if await may_manage(session, settings=settings, user=message.from_user,
                        competition_id=competition_id):  # fmt: skip
        return True
    await message.answer(t("admin.refused_competition", lang, competition_id=competition_id))
    return False


@router.message(Command("competitions"), OrganiserFilter())
async def competitions(message: Message, session: AsyncSession, lang: str) -> None:
    rows = await list_competitions(session)
    if not rows:
        await message.answer(t("admin.competitions.none", lang))
        return
    builder = InlineKeyboardBuilder()
    for c in rows:
        status = CompetitionStatus(c.status)
        if status in (CompetitionStatus.DRAFT, CompetitionStatus.SCHEDULED):
            builder.button(
                text=t("admin.competitions.button_open", lang, id=c.id),
                callback_data=CompetitionAction(action="open", competition_id=c.id),
            )
        if status in (CompetitionStatus.SCHEDULED, CompetitionStatus.OPEN):
            builder.button(
                text=t("admin.competitions.button_close", lang, id=c.id),
                callback_data=CompetitionAction(action="close", competition_id=c.id),
            )
    builder.adjust(2)
    lines = [t("admin.competitions.title", lang)] + [competition_line(c, lang) for c in rows]
    await message.answer("\n".join(lines), reply_markup=builder.as_markup())


@router.message(Command("open", "close"), OrganiserFilter())
async def open_or_close(
    message: Message, command: CommandObject, session: AsyncSession, lang: str,
    settings: Settings, clock: Clock,
) -> None:  # fmt: skip
    args = int_args(command)
    if not args or len(args) != 1:
        await message.answer(t("admin.competitions.usage_id", lang, command=command.command))
        return
    if not await _allowed(message, session, settings, lang, args[0]):
        return
    assert message.from_user is not None
    call = open_competition if command.command == "open" else close_competition
    text = await _act(session, message.from_user.id, command.command, args[0], clock, lang, call)
    await message.answer(text)


@router.callback_query(CompetitionAction.filter(F.action.in_({"open", "close"})), OrganiserFilter())
async def open_or_close_button(
    query: CallbackQuery, callback_data: CompetitionAction, session: AsyncSession, lang: str,
    settings: Settings, clock: Clock,
) -> None:  # fmt: skip
    cid = callback_data.competition_id
    if not await may_manage(session, settings=settings, user=query.from_user, competition_id=cid):
        text = t("admin.refused_competition", lang, competition_id=cid)
        await query.answer(text, show_alert=True)
        return
    call = open_competition if callback_data.action == "open" else close_competition
    text = await _act(session, query.from_user.id, callback_data.action, cid, clock, lang, call)
    await query.answer()
    assert query.message is not None
    await query.message.answer(text)


@router.message(Command("set_times"), OrganiserFilter())
async def set_times(
    message: Message, command: CommandObject, session: AsyncSession, lang: str,
    settings: Settings, clock: Clock,
) -> None:  # fmt: skip
    parts = (command.args or "").split()
    competition = None
    if parts and parts[0].lstrip("#").isdigit():
        competition = await get_competition(session, competition_id=int(parts[0].lstrip("#")))
    times = _times(parts[1:], competition)
    if competition is None or times is None:
        await message.answer(t("admin.competitions.usage_set_times", lang))
        return
    assert competition.id is not None
    if not await _allowed(message, session, settings, lang, competition.id):
        return
    assert message.from_user is not None
    text = await _act(session, message.from_user.id, "set_times", competition.id, clock, lang,
                      update_competition, starts_at=times[0], ends_at=times[1])  # fmt: skip
    await message.answer(text)


@router.message(Command("set_schedule"), OrganiserFilter())
async def set_schedule(
    message: Message, command: CommandObject, session: AsyncSession, lang: str,
    settings: Settings, clock: Clock,
) -> None:  # fmt: skip
    """/set_schedule ID 0 18 * * * (local time) — or /set_schedule ID off."""
    parts = (command.args or "").split(maxsplit=1)
    competition = None
    if len(parts) == 2 and parts[0].lstrip("#").isdigit():
        competition = await get_competition(session, competition_id=int(parts[0].lstrip("#")))
    if competition is None or competition.id is None:
        await message.answer(t("admin.competitions.usage_set_schedule", lang))
        return
    if not await _allowed(message, session, settings, lang, competition.id):
        return
    assert message.from_user is not None
    cron = None if parts[1].strip().lower() in {"off", "关", "关闭"} else parts[1]
    text = await _act(session, message.from_user.id, "set_schedule", competition.id, clock, lang,
                      set_announcement_schedule, cron=cron)  # fmt: skip
    await message.answer(text)


def _times(parts: list[str], competition: Competition | None) -> tuple[Any, Any] | None:
    """Start and end from "2026-09-01 09:00 2026-09-30 18:00" (or with T/_ between)."""
    if competition is None:
        return None
    if len(parts) == 4:
        parts = [f"{parts[0]} {parts[1]}", f"{parts[2]} {parts[3]}"]
    if len(parts) != 2:
        return None
    start, end = (parse_local(p, competition.timezone) for p in parts)
    return (start, end) if start and end else None


@router.message(Command("stats"), OrganiserFilter())
async def stats(
    message: Message, command: CommandObject, session: AsyncSession, lang: str,
    settings: Settings, clock: Clock,
) -> None:  # fmt: skip
    competition = await _managed(message, command, session, settings, lang, clock)
    if competition is None or competition.id is None:
        return
    rows = await participation_by_team(session, competition_id=competition.id)
    lines = [t("admin.stats.title", lang, line=competition_line(competition, lang))]
    for row in rows:
        name = html.escape(row.name) if row.team_id is not None else t("admin.stats.no_team", lang)
        lines.append(t("admin.stats.line", lang, team=name, participants=row.participants,
                       registered=row.registered, rate=f"{row.rate:.0%}"))  # fmt: skip
    if not rows:
        lines.append(t("admin.stats.empty", lang))
    await message.answer("\n".join(lines))


async def _managed(
    message: Message, command: CommandObject, session: AsyncSession, settings: Settings,
    lang: str, clock: Clock,
) -> Competition | None:  # fmt: skip
    """The chosen competition when this organiser may manage it; else None (already said why)."""
    competition = await _chosen(message, command, session, lang, clock)
    if competition is None or competition.id is None:
        return None
    if not await _allowed(message, session, settings, lang, competition.id):
        return None
    return competition


async def _chosen(
    message: Message, command: CommandObject, session: AsyncSession, lang: str, clock: Clock
) -> Competition | None:
    """The competition named in the command, else the open one, else the latest."""
    args = int_args(command)
    if args is None or len(args) > 1:
        await message.answer(t("admin.competitions.usage_optional_id", lang,
                               command=command.command))  # fmt: skip
        return None
    if args:
        competition = await get_competition(session, competition_id=args[0])
    else:
        rows = await list_competitions(session)
        open_rows = [c for c in rows if c.status == CompetitionStatus.OPEN]
        competition = (open_rows or rows)[-1] if rows else None  # open_rows is a subset of rows
    if competition is None:
        key = "admin.competitions.not_found" if args else "admin.competitions.none"
        await message.answer(t(key, lang, competition_id=args[0] if args else 0))
    return competition


@router.message(Command("export"), OrganiserFilter())
async def export(
    message: Message, command: CommandObject, session: AsyncSession, lang: str,
    settings: Settings, clock: Clock,
) -> None:  # fmt: skip
    competition = await _managed(message, command, session, settings, lang, clock)
    if competition is None or competition.id is None:
        return
    with tempfile.TemporaryDirectory(prefix="qq-export-") as folder:
        path = Path(folder) / f"results-{competition.id}.xlsx"
        await export_results(session, competition_id=competition.id, path=path)
        caption = t("admin.export.caption", lang, line=competition_line(competition, lang))
        await message.answer_document(FSInputFile(path, filename=path.name), caption=caption)
    assert message.from_user is not None
    await audit(session, actor_id=message.from_user.id, action="export",
                detail={"competition_id": competition.id}, clock=clock)  # fmt: skip


# --- creating from a YAML file -------------------------------------------------------------


@router.message(F.document, _is_definition, OrganiserFilter())
async def on_definition(
    message: Message, bot: Bot, state: FSMContext, lang: str, settings: Settings
) -> None:
    document = message.document
    assert document is not None  # the F.document filter
    if (document.file_size or 0) > settings.upload_limit_bytes:
        size = f"{(document.file_size or 0) / 2**20:.1f}"
        limit = f"{settings.upload_limit_mb:g}"
        await message.answer(t("admin.upload.too_big", lang, size=size, limit=limit, extension=""))
        return
    downloaded = await bot.download(document.file_id)
    assert downloaded is not None  # without a destination aiogram returns a BytesIO
    raw = downloaded.read()
    try:
        text = raw.decode("utf-8-sig")
        definition = parse_yaml(text)
    except UnicodeDecodeError:
        await message.answer(t("admin.competitions.not_utf8", lang))
        return
    except DefinitionRejected as exc:
        await message.answer(issues_text(exc, lang))
        return
    await state.clear()
    await state.set_data({"competition_yaml": text})
    await ask_save(message, preview(definition, lang), lang)


@router.callback_query(CompetitionAction.filter(F.action == "save"), OrganiserFilter())
async def save(
    query: CallbackQuery, session: AsyncSession, state: FSMContext, lang: str, clock: Clock
) -> None:
    data = await state.get_data()
    await state.clear()  # a second press finds nothing to save
    by = str(query.from_user.id)
    try:
        if "competition_yaml" in data:
            created = await create_competition_from_yaml(
                session, text=data["competition_yaml"], created_by=by, clock=clock
            )
        elif "competition_draft" in data:
            created = await create_competition(
                session, data=data["competition_draft"], created_by=by, clock=clock
            )
        else:
            await query.answer(t("admin.expired", lang), show_alert=True)
            return
    except DefinitionRejected as exc:
        await query.answer()
        assert query.message is not None
        await query.message.answer(issues_text(exc, lang))
        return
    await audit(
        session,
        actor_id=query.from_user.id,
        action="create_competition",
        detail={"competition_id": created.id, "name": created.name},
        clock=clock,
    )
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=None)
    await query.message.answer(t("admin.competitions.created", lang,
                                 line=competition_line(created, lang)))  # fmt: skip


@router.callback_query(CompetitionAction.filter(F.action == "cancel"), OrganiserFilter())
async def cancel(query: CallbackQuery, state: FSMContext, lang: str) -> None:
    await state.clear()
    await confirm_cancelled(query, lang)


@router.message(Command(*COMMANDS), ~OrganiserFilter())
async def refuse_others(message: Message, session: AsyncSession, lang: str, clock: Clock) -> None:
    await refuse(message, session, lang=lang, clock=clock)


router.include_router(competition_dialog.router)
