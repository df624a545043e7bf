"""Organisers manage competitions in chat: list, open/close now, change times, participation
per team (/stats) and results (/export); creating one is ``admin_definitions``.

Handlers parse, call one ``contest.admin`` function and render; a command typed without its
competition number offers the organiser's competitions as buttons.
"""

from __future__ import annotations

import html
import tempfile
from datetime import datetime
from pathlib import Path

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, FSInputFile, InlineKeyboardButton, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_common import (
    PickAction,
    PickCb,
    admin_router,
    ask_for,
    int_args,
    offer,
)
from bot.competition_views import competition_line
from bot.long_text import page_text, paginate, show_page, with_pages
from config import Settings
from contest.admin import competitions as admin
from contest.admin import results
from contest.admin.policy import Actor
from contest.models import Competition, CompetitionStatus
from contest.when import parse_when
from i18n import t
from storage.types import Clock

router = admin_router(__name__)
Status = CompetitionStatus


class SetTimes(StatesGroup):
    starts_at = State()
    ends_at = State()


# --- the list ------------------------------------------------------------------------------


async def show_competitions(
    message: Message,
    session: AsyncSession,
    actor: Actor,
    lang: str,
    clock: Clock,
    *,
    page: int = 0,
    edit: bool = False,
) -> None:
    rows = await admin.managed_competitions(
        session, actor=actor, action="competition.list", clock=clock
    )
    if not rows:
        await message.answer(t("admin.competitions.none", lang))
        return
    pages = paginate([competition_line(c, lang) for c in rows], max_lines=10)
    text, page = page_text(t("admin.competitions.title", lang), pages, page, lang)
    shown = rows[page * 10 : page * 10 + len(pages[page])]
    markup = with_pages([_buttons(c, lang) for c in shown], "competitions", page, len(pages), lang)
    await show_page(message, text, markup, edit=edit)


def _buttons(competition: Competition, lang: str) -> list[InlineKeyboardButton]:
    status, cid = CompetitionStatus(competition.status), int(competition.id or 0)
    row = []
    if status in (Status.DRAFT, Status.SCHEDULED):
        row.append(
            InlineKeyboardButton(
                text=t("admin.competitions.button_open", lang, id=cid),
                callback_data=PickCb(action="open", c=cid).pack(),
            )
        )
    if status in (Status.SCHEDULED, Status.OPEN):
        row.append(
            InlineKeyboardButton(
                text=t("admin.competitions.button_close", lang, id=cid),
                callback_data=PickCb(action="close", c=cid).pack(),
            )
        )
    return row


@router.message(Command("competitions"))
async def competitions(
    message: Message, session: AsyncSession, actor: Actor, lang: str, clock: Clock
) -> None:
    await show_competitions(message, session, actor, lang, clock)


# --- open and close ------------------------------------------------------------------------


async def _open_or_close(
    message: Message,
    session: AsyncSession,
    actor: Actor,
    action: str,
    competition_id: int,
    lang: str,
    clock: Clock,
) -> None:
    call = admin.open_competition if action == "open" else admin.close_competition
    done = await call(session, actor=actor, competition_id=competition_id, clock=clock)
    await message.answer(
        t(f"admin.competitions.{action}_done", lang, line=competition_line(done, lang))
    )


@router.message(Command("open", "close"))
async def open_or_close(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Actor,
    lang: str,
    clock: Clock,
) -> None:
    action: PickAction = "open" if command.command == "open" else "close"
    args = int_args(command)
    if args is None or len(args) > 1:
        await message.answer(t("admin.competitions.usage_id", lang, command=command.command))
    elif args:
        await _open_or_close(message, session, actor, action, args[0], lang, clock)
    else:
        await offer(message, session, actor, action, lang, clock)


@router.callback_query(PickCb.filter(F.action.in_({"open", "close"})))
async def open_or_close_button(
    query: CallbackQuery,
    callback_data: PickCb,
    session: AsyncSession,
    actor: Actor,
    lang: str,
    clock: Clock,
) -> None:
    assert isinstance(query.message, Message)
    await _open_or_close(
        query.message, session, actor, callback_data.action, callback_data.c, lang, clock
    )
    await query.answer()


# --- times ---------------------------------------------------------------------------------


def _two_times(words: list[str], zone: str, now: datetime) -> tuple[datetime, datetime] | None:
    """ "2026-09-01 09:00 2026-09-30 18:00", "现在 7天" (the end may count from the start)."""
    if len(words) == 4:
        words = [f"{words[0]} {words[1]}", f"{words[2]} {words[3]}"]
    if len(words) != 2:
        return None
    start = parse_when(words[0], zone=zone, now=now)
    end = parse_when(words[1], zone=zone, now=now, base=start) if start else None
    return (start, end) if start and end else None


@router.message(Command("set_times"))
async def set_times(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Actor,
    state: FSMContext,
    lang: str,
    settings: Settings,
    clock: Clock,
) -> None:
    words = (command.args or "").split()
    if not words:
        await offer(message, session, actor, "set_times", lang, clock)
        return
    if not words[0].lstrip("#").isdigit():
        await message.answer(t("admin.competitions.usage_set_times", lang))
        return
    competition_id = int(words[0].lstrip("#"))
    if len(words) == 1:
        await _ask_start(message, session, actor, state, competition_id, lang, settings, clock)
        return
    times = _two_times(words[1:], settings.timezone, clock())
    if times is None:
        await message.answer(t("admin.competitions.usage_set_times", lang))
        return
    await _save_times(message, session, actor, competition_id, times, lang, clock)


async def _ask_start(
    message: Message,
    session: AsyncSession,
    actor: Actor,
    state: FSMContext,
    competition_id: int,
    lang: str,
    settings: Settings,
    clock: Clock,
) -> None:
    await ask_for(session, actor, state, action="competition.set_times",
                  competition_id=competition_id, step=SetTimes.starts_at, clock=clock)  # fmt: skip
    await message.answer(t("admin.dialog.ask_start", lang, zone=settings.timezone))


@router.callback_query(PickCb.filter(F.action == "set_times"))
async def set_times_button(
    query: CallbackQuery,
    callback_data: PickCb,
    session: AsyncSession,
    actor: Actor,
    state: FSMContext,
    lang: str,
    settings: Settings,
    clock: Clock,
) -> None:
    assert isinstance(query.message, Message)
    await _ask_start(query.message, session, actor, state, callback_data.c, lang, settings, clock)
    await query.answer()


@router.message(SetTimes.starts_at, F.text, ~F.text.startswith("/"))
async def got_new_start(
    message: Message, state: FSMContext, lang: str, settings: Settings, clock: Clock
) -> None:
    when = parse_when(message.text or "", zone=settings.timezone, now=clock())
    if when is None:
        await message.answer(t("admin.dialog.bad_time", lang))
        return
    await state.update_data(starts_at=when.isoformat())
    await state.set_state(SetTimes.ends_at)
    await message.answer(t("admin.dialog.ask_end", lang, zone=settings.timezone))


@router.message(SetTimes.ends_at, F.text, ~F.text.startswith("/"))
async def got_new_end(
    message: Message,
    session: AsyncSession,
    actor: Actor,
    state: FSMContext,
    lang: str,
    settings: Settings,
    clock: Clock,
) -> None:
    data = await state.get_data()
    start = datetime.fromisoformat(data["starts_at"])
    end = parse_when(message.text or "", zone=settings.timezone, now=clock(), base=start)
    if end is None or end <= start:
        await message.answer(t("admin.dialog.bad_end", lang))
        return
    await state.clear()
    await _save_times(
        message, session, actor, int(data["competition_id"]), (start, end), lang, clock
    )


async def _save_times(
    message: Message,
    session: AsyncSession,
    actor: Actor,
    competition_id: int,
    times: tuple[datetime, datetime],
    lang: str,
    clock: Clock,
) -> None:
    done = await admin.set_times(
        session,
        actor=actor,
        competition_id=competition_id,
        starts_at=times[0],
        ends_at=times[1],
        clock=clock,
    )
    await message.answer(
        t("admin.competitions.set_times_done", lang, line=competition_line(done, lang))
    )


# --- participation and results -------------------------------------------------------------


async def show_stats(
    message: Message,
    session: AsyncSession,
    actor: Actor,
    competition_id: int,
    lang: str,
    settings: Settings,
    clock: Clock,
    *,
    page: int = 0,
    edit: bool = False,
) -> None:
    stats = await admin.competition_stats(
        session,
        actor=actor,
        competition_id=competition_id,
        clock=clock,
        not_counted=settings.admin_ids,
    )
    lines = [
        t(
            "admin.stats.line",
            lang,
            team=_team_name(row.name, row.team_id, lang),
            participants=row.participants,
            registered=row.registered,
            rate=f"{row.rate:.0%}",
        )
        for row in stats.teams
    ] or [t("admin.stats.empty", lang)]
    title = t("admin.stats.title", lang, line=competition_line(stats.competition, lang))
    pages = paginate(lines)
    text, page = page_text(title, pages, page, lang)
    markup = with_pages([], "stats", page, len(pages), lang, arg=competition_id)
    await show_page(message, text, markup, edit=edit)


def _team_name(name: str, team_id: int | None, lang: str) -> str:
    return html.escape(name) if team_id is not None else t("admin.stats.no_team", lang)


async def export_to(
    message: Message,
    session: AsyncSession,
    actor: Actor,
    competition_id: int,
    lang: str,
    clock: Clock,
) -> None:
    with tempfile.TemporaryDirectory(prefix="qq-export-") as folder:
        path = Path(folder) / f"results-{competition_id}.xlsx"
        competition = await results.export(
            session, actor=actor, competition_id=competition_id, path=path, clock=clock
        )
        caption = t("admin.export.caption", lang, line=competition_line(competition, lang))
        await message.answer_document(FSInputFile(path, filename=path.name), caption=caption)


@router.message(Command("stats", "export"))
async def stats_or_export(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Actor,
    lang: str,
    settings: Settings,
    clock: Clock,
) -> None:
    action: PickAction = "stats" if command.command == "stats" else "export"
    args = int_args(command)
    if args is None or len(args) > 1:
        await message.answer(
            t("admin.competitions.usage_optional_id", lang, command=command.command)
        )
        return
    chosen = args[0] if args else None
    if chosen is None:
        only = await offer(message, session, actor, action, lang, clock)
        chosen = only.id if only is not None else None
    if chosen is not None:
        await _stats_or_export(message, session, actor, action, chosen, lang, settings, clock)


async def _stats_or_export(
    message: Message,
    session: AsyncSession,
    actor: Actor,
    action: str,
    competition_id: int,
    lang: str,
    settings: Settings,
    clock: Clock,
) -> None:
    if action == "stats":
        await show_stats(message, session, actor, competition_id, lang, settings, clock)
    else:
        await export_to(message, session, actor, competition_id, lang, clock)


@router.callback_query(PickCb.filter(F.action.in_({"stats", "export"})))
async def stats_or_export_button(
    query: CallbackQuery,
    callback_data: PickCb,
    session: AsyncSession,
    actor: Actor,
    lang: str,
    settings: Settings,
    clock: Clock,
) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await _stats_or_export(
        query.message, session, actor, callback_data.action, callback_data.c, lang, settings, clock
    )
