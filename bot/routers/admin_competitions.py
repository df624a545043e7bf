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
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    FSInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.admin_common import (
    PickAction,
    PickCb,
    admin_router,
    ask_for,
    confirm_cancelled,
    int_args,
    offer,
)
from bot.competition_views import competition_line
from bot.file_names import workbook_name
from bot.long_text import page_text, paginate, show_page, with_pages
from chat.turn import Turn
from config import Settings
from contest.admin import competitions as admin
from contest.admin import results
from contest.admin.audit import authorize
from contest.admin.closing import workers_mid_quiz
from contest.models import Competition, CompetitionStatus
from contest.when import parse_when
from contest.zones import zone_name
from i18n import t
from storage.ids import id_of

router = admin_router(__name__)
Status = CompetitionStatus


class SetTimes(StatesGroup):
    starts_at = State()
    ends_at = State()


# --- the list ------------------------------------------------------------------------------


async def show_competitions(
    message: Message, turn: Turn, *, page: int = 0, edit: bool = False
) -> None:
    rows = await admin.managed_competitions(
        turn.session, actor=turn.acting, action="competition.list", clock=turn.wall
    )
    if not rows:
        await message.answer(t("admin.competitions.none", turn.lang))
        return
    pages = paginate([competition_line(c, turn.lang) for c in rows], max_lines=10)
    text, page = page_text(t("admin.competitions.title", turn.lang), pages, page, turn.lang)
    shown = rows[page * 10 : page * 10 + len(pages[page])]
    markup = with_pages(
        [_buttons(c, turn.lang) for c in shown], "competitions", page, len(pages), turn.lang
    )
    await show_page(message, text, markup, edit=edit)


def _buttons(competition: Competition, lang: str) -> list[InlineKeyboardButton]:
    status, cid = CompetitionStatus(competition.status), id_of(competition)
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
async def competitions(message: Message, turn: Turn) -> None:
    await show_competitions(message, turn)


# --- open and close ------------------------------------------------------------------------


async def _open_or_close(message: Message, turn: Turn, action: str, competition_id: int) -> None:
    call = admin.open_competition if action == "open" else admin.close_competition
    done = await call(
        turn.session, actor=turn.acting, competition_id=competition_id, clock=turn.wall
    )
    await message.answer(
        t(f"admin.competitions.{action}_done", turn.lang, line=competition_line(done, turn.lang))
    )


@router.message(Command("open", "close"))
async def open_or_close(message: Message, turn: Turn, command: CommandObject) -> None:
    action: PickAction = "open" if command.command == "open" else "close"
    args = int_args(command)
    if args is None or len(args) > 1:
        await message.answer(t("admin.competitions.usage_id", turn.lang, command=command.command))
    elif args and action == "close":
        await _ask_close(message, turn, args[0])
    elif args:
        await _open_or_close(message, turn, action, args[0])
    else:
        await offer(message, turn, action)


@router.callback_query(PickCb.filter(F.action.in_({"open", "close"})))
async def open_or_close_button(query: CallbackQuery, turn: Turn, callback_data: PickCb) -> None:
    assert isinstance(query.message, Message)
    if callback_data.action == "close":
        await _ask_close(query.message, turn, callback_data.c)
    else:
        await _open_or_close(query.message, turn, callback_data.action, callback_data.c)
    await query.answer()


class CloseCb(CallbackData, prefix="cls"):
    """确认结束 (``ok``) or 取消 for closing competition ``c``."""

    c: int
    ok: bool


async def _ask_close(message: Message, turn: Turn, competition_id: int) -> None:
    """Closing stops everyone mid-quiz: say how many, and close only on 确认结束."""
    await authorize(
        turn.session,
        turn.acting,
        "competition.close",
        competition_id=competition_id,
        clock=turn.wall,
    )
    busy = await workers_mid_quiz(turn.session, competition_id=competition_id)
    buttons = [
        InlineKeyboardButton(
            text=t("admin.closing.confirm", turn.lang),
            callback_data=CloseCb(c=competition_id, ok=True).pack(),
        ),
        InlineKeyboardButton(
            text=t("admin.closing.cancel", turn.lang),
            callback_data=CloseCb(c=competition_id, ok=False).pack(),
        ),
    ]
    await message.answer(
        t("admin.closing.ask", turn.lang, id=competition_id, count=busy),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[buttons]),
    )


@router.callback_query(CloseCb.filter())
async def close_confirmed(query: CallbackQuery, turn: Turn, callback_data: CloseCb) -> None:
    if not callback_data.ok:
        await confirm_cancelled(query, turn.lang)
        return
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=None)
    await _open_or_close(query.message, turn, "close", callback_data.c)
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
    message: Message, turn: Turn, command: CommandObject, state: FSMContext
) -> None:
    words = (command.args or "").split()
    if not words:
        await offer(message, turn, "set_times")
        return
    if not words[0].lstrip("#").isdigit():
        await message.answer(t("admin.competitions.usage_set_times", turn.lang))
        return
    competition_id = int(words[0].lstrip("#"))
    if len(words) == 1:
        await _ask_start(message, turn, state, competition_id)
        return
    times = _two_times(words[1:], turn.tz, turn.wall())
    if times is None:
        await message.answer(t("admin.competitions.usage_set_times", turn.lang))
        return
    await _save_times(message, turn, competition_id, times)


async def _ask_start(message: Message, turn: Turn, state: FSMContext, competition_id: int) -> None:
    await ask_for(
        turn,
        state,
        action="competition.set_times",
        competition_id=competition_id,
        step=SetTimes.starts_at,
    )
    await message.answer(t("admin.dialog.ask_start", turn.lang, zone=zone_name(turn.tz, turn.lang)))


@router.callback_query(PickCb.filter(F.action == "set_times"))
async def set_times_button(
    query: CallbackQuery, turn: Turn, callback_data: PickCb, state: FSMContext
) -> None:
    assert isinstance(query.message, Message)
    await _ask_start(query.message, turn, state, callback_data.c)
    await query.answer()


@router.message(SetTimes.starts_at, F.text, ~F.text.startswith("/"))
async def got_new_start(message: Message, turn: Turn, state: FSMContext) -> None:
    when = parse_when(message.text or "", zone=turn.tz, now=turn.wall())
    if when is None:
        await message.answer(t("admin.dialog.bad_time", turn.lang))
        return
    await state.update_data(starts_at=when.isoformat())
    await state.set_state(SetTimes.ends_at)
    await message.answer(t("admin.dialog.ask_end", turn.lang, zone=zone_name(turn.tz, turn.lang)))


@router.message(SetTimes.ends_at, F.text, ~F.text.startswith("/"))
async def got_new_end(message: Message, turn: Turn, state: FSMContext) -> None:
    data = await state.get_data()
    start = datetime.fromisoformat(data["starts_at"])
    end = parse_when(message.text or "", zone=turn.tz, now=turn.wall(), base=start)
    if end is None or end <= start:
        await message.answer(t("admin.dialog.bad_end", turn.lang))
        return
    await state.clear()
    await _save_times(message, turn, int(data["competition_id"]), (start, end))


async def _save_times(
    message: Message, turn: Turn, competition_id: int, times: tuple[datetime, datetime]
) -> None:
    done = await admin.set_times(
        turn.session,
        actor=turn.acting,
        competition_id=competition_id,
        starts_at=times[0],
        ends_at=times[1],
        clock=turn.wall,
    )
    await message.answer(
        t("admin.competitions.set_times_done", turn.lang, line=competition_line(done, turn.lang))
    )


# --- participation and results -------------------------------------------------------------


async def show_stats(
    message: Message,
    turn: Turn,
    competition_id: int,
    settings: Settings,
    *,
    page: int = 0,
    edit: bool = False,
) -> None:
    stats = await admin.competition_stats(
        turn.session,
        actor=turn.acting,
        competition_id=competition_id,
        clock=turn.wall,
        not_counted=settings.admin_ids,
    )
    lines = [
        t(
            "admin.stats.line",
            turn.lang,
            team=_team_name(row.name, row.team_id, turn.lang),
            participants=row.participants,
            registered=row.registered,
            rate=f"{row.rate:.0%}",
        )
        for row in stats.teams
    ] or [t("admin.stats.empty", turn.lang)]
    title = t("admin.stats.title", turn.lang, line=competition_line(stats.competition, turn.lang))
    pages = paginate(lines)
    text, page = page_text(title, pages, page, turn.lang)
    markup = with_pages([], "stats", page, len(pages), turn.lang, arg=competition_id)
    await show_page(message, text, markup, edit=edit)


def _team_name(name: str, team_id: int | None, lang: str) -> str:
    return html.escape(name) if team_id is not None else t("admin.stats.no_team", lang)


async def export_to(message: Message, turn: Turn, competition_id: int) -> None:
    with tempfile.TemporaryDirectory(prefix="qq-export-") as folder:
        path = Path(folder) / f"results-{competition_id}.xlsx"
        competition = await results.export(
            turn.session,
            actor=turn.acting,
            competition_id=competition_id,
            path=path,
            clock=turn.wall,
        )
        caption = t(
            "admin.export.caption", turn.lang, line=competition_line(competition, turn.lang)
        )
        name = workbook_name(competition.name, "results", turn.lang)
        await message.answer_document(FSInputFile(path, filename=name), caption=caption)


@router.message(Command("stats", "export"))
async def stats_or_export(
    message: Message, turn: Turn, command: CommandObject, settings: Settings
) -> None:
    action: PickAction = "stats" if command.command == "stats" else "export"
    args = int_args(command)
    if args is None or len(args) > 1:
        await message.answer(
            t("admin.competitions.usage_optional_id", turn.lang, command=command.command)
        )
        return
    chosen = args[0] if args else None
    if chosen is None:
        only = await offer(message, turn, action)
        chosen = only.id if only is not None else None
    if chosen is not None:
        await _stats_or_export(message, turn, action, chosen, settings)


async def _stats_or_export(
    message: Message, turn: Turn, action: str, competition_id: int, settings: Settings
) -> None:
    if action == "stats":
        await show_stats(message, turn, competition_id, settings)
    else:
        await export_to(message, turn, competition_id)


@router.callback_query(PickCb.filter(F.action.in_({"stats", "export"})))
async def stats_or_export_button(
    query: CallbackQuery, turn: Turn, callback_data: PickCb, settings: Settings
) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await _stats_or_export(query.message, turn, callback_data.action, callback_data.c, settings)
