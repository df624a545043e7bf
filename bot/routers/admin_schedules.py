"""When leaderboards go out: /set_schedule with preset buttons (每天 18:00, 每周五 17:00,
仅结束时, 关闭) or words (每天18点, 每周五下午5点, cron), and /schedules — what organisers
scheduled, with pause and resume buttons. No terminal needed."""

from __future__ import annotations

import html
from typing import Literal

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.admin_common import PickCb, admin_router, ask_for, offer
from bot.callbacks import RowId
from bot.competition_views import (
    announce_text,
    cadence_text,
    competition_line,
    local_text,
    schedule_not_understood,
)
from bot.long_text import page_text, paginate, show_page, with_pages
from chat.turn import Turn
from contest.admin import competitions as admin
from contest.admin.schedules import (
    ScheduleEntry,
    organiser_schedules,
    pause_schedule,
    resume_schedule,
)
from contest.rules import load_rules
from contest.schedules import PRESETS, ScheduleChoice, job_key, parse_schedule, preset
from i18n import t
from storage.ids import id_of

router = admin_router(__name__)
Preset = Literal["daily_18", "friday_17", "end_only", "off"]


class PresetCb(CallbackData, prefix="sch"):
    """A preset announcement schedule for competition ``c``."""

    c: RowId
    preset: Preset


class PauseCb(CallbackData, prefix="pz"):
    """Pause or resume what competition ``c`` scheduled (its ``kind`` of job)."""

    act: Literal["pause", "resume"]
    kind: Literal["announce", "final", "remind"]
    c: RowId


class TypedSchedule(StatesGroup):
    text = State()


def presets_keyboard(competition_id: int, lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for name in PRESETS:
        builder.button(
            text=t(f"admin.schedule.preset.{name}", lang),
            callback_data=PresetCb(c=competition_id, preset=name),
        )
    builder.adjust(2)
    return builder.as_markup()


async def ask_schedule(
    message: Message, turn: Turn, state: FSMContext, competition_id: int
) -> None:
    """The preset buttons; typed words (每天18点, cron) are read as well."""
    await ask_for(
        turn,
        state,
        action="competition.set_schedule",
        competition_id=competition_id,
        step=TypedSchedule.text,
    )
    await message.answer(
        t("admin.schedule.ask", turn.lang, competition_id=competition_id),
        reply_markup=presets_keyboard(competition_id, turn.lang),
    )


async def _apply(message: Message, turn: Turn, competition_id: int, choice: ScheduleChoice) -> None:
    done = await admin.set_schedule(
        turn.session,
        actor=turn.acting,
        competition_id=competition_id,
        choice=choice,
        clock=turn.wall,
    )
    when = announce_text(load_rules(done.rules), turn.lang)
    await message.answer(
        t(
            "admin.competitions.set_schedule_done",
            turn.lang,
            line=competition_line(done, turn.lang),
            when=when,
        )
    )


@router.message(Command("set_schedule"))
async def set_schedule(
    message: Message, turn: Turn, command: CommandObject, state: FSMContext
) -> None:
    """/set_schedule · /set_schedule 3 · /set_schedule 3 每天18点 · /set_schedule 3 0 18 * * *"""
    parts = (command.args or "").split(maxsplit=1)
    if not parts:
        await offer(message, turn, "set_schedule")
        return
    if not parts[0].lstrip("#").isdigit():
        await message.answer(t("admin.competitions.usage_set_schedule", turn.lang))
        return
    competition_id = int(parts[0].lstrip("#"))
    if len(parts) == 1:
        await ask_schedule(message, turn, state, competition_id)
        return
    choice = parse_schedule(parts[1])
    if choice is None:
        await message.answer(
            schedule_not_understood(parts[1], turn.lang),
            reply_markup=presets_keyboard(competition_id, turn.lang),
        )
        return
    await _apply(message, turn, competition_id, choice)


@router.callback_query(PickCb.filter(F.action == "set_schedule"))
async def picked(
    query: CallbackQuery, turn: Turn, callback_data: PickCb, state: FSMContext
) -> None:
    assert isinstance(query.message, Message)
    await ask_schedule(query.message, turn, state, callback_data.c)
    await query.answer()


@router.callback_query(PresetCb.filter())
async def preset_chosen(
    query: CallbackQuery, turn: Turn, callback_data: PresetCb, state: FSMContext
) -> None:
    if await state.get_state() == TypedSchedule.text:
        await state.clear()
    assert isinstance(query.message, Message)
    await _apply(query.message, turn, callback_data.c, preset(callback_data.preset))
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)


@router.message(TypedSchedule.text, F.text, ~F.text.startswith("/"))
async def typed(message: Message, turn: Turn, state: FSMContext) -> None:
    competition_id = int((await state.get_data())["competition_id"])
    choice = parse_schedule(message.text or "")
    if choice is None:
        await message.answer(
            schedule_not_understood(message.text or "", turn.lang),
            reply_markup=presets_keyboard(competition_id, turn.lang),
        )
        return
    await state.clear()
    await _apply(message, turn, competition_id, choice)


# --- what is scheduled ---------------------------------------------------------------------


def entry_line(entry: ScheduleEntry, lang: str) -> str:
    competition = entry.competition
    when = cadence_text(entry.cadence, lang) if entry.cadence else t("admin.schedule.at_end", lang)
    upcoming = local_text(entry.next_at, competition.timezone) if entry.next_at else "—"
    state = t("admin.schedule.paused" if entry.paused else "admin.schedule.active", lang)
    return t(
        "admin.schedule.line",
        lang,
        state=state,
        id=competition.id,
        name=html.escape(competition.name),
        kind=t(f"admin.schedule.kind.{entry.kind}", lang),
        when=when,
        next=upcoming,
    )


def _toggle_button(entry: ScheduleEntry, lang: str) -> list[InlineKeyboardButton]:
    act: Literal["pause", "resume"] = "resume" if entry.paused else "pause"
    label = t(
        f"admin.schedule.button_{act}",
        lang,
        id=entry.competition.id,
        kind=t(f"admin.schedule.kind.{entry.kind}", lang),
    )
    return [
        InlineKeyboardButton(
            text=label,
            callback_data=PauseCb(act=act, kind=entry.kind, c=id_of(entry.competition)).pack(),
        )
    ]


async def show_schedules(
    message: Message, turn: Turn, *, page: int = 0, edit: bool = False
) -> None:
    entries = await organiser_schedules(turn.session, actor=turn.acting, clock=turn.wall)
    if not entries:
        await show_page(message, t("admin.schedule.none", turn.lang), None, edit=edit)
        return
    pages = paginate([entry_line(e, turn.lang) for e in entries], max_lines=8)
    text, page = page_text(t("admin.schedule.title", turn.lang), pages, page, turn.lang)
    shown = entries[page * 8 : page * 8 + len(pages[page])]
    rows = [_toggle_button(e, turn.lang) for e in shown]
    await show_page(
        message, text, with_pages(rows, "schedules", page, len(pages), turn.lang), edit=edit
    )


@router.message(Command("schedules"))
async def schedules(message: Message, turn: Turn) -> None:
    await show_schedules(message, turn)


@router.callback_query(PauseCb.filter())
async def pause_or_resume(query: CallbackQuery, turn: Turn, callback_data: PauseCb) -> None:
    call = pause_schedule if callback_data.act == "pause" else resume_schedule
    key = job_key(callback_data.kind, callback_data.c)
    await call(turn.session, actor=turn.acting, key=key, clock=turn.wall)
    await query.answer(t(f"admin.schedule.toast_{callback_data.act}", turn.lang))
    assert isinstance(query.message, Message)
    await show_schedules(query.message, turn, edit=True)
