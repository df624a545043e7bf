"""/new_competition: everything a YAML file can say that matters, asked one step at a time,
each with buttons for the usual answers (现在, 7 天, 30 秒, 平均分 …) and typed answers
understood as well; then a preview and 保存.

The answers are a plain mapping kept in the conversation state (it survives a restart);
``contest.admin.draft_steps`` says what each answer means and ``contest.admin.drafts``
makes the definition; this module only asks and renders.
"""

from __future__ import annotations

import html
from typing import Any

from aiogram import F
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import Token
from bot.competition_views import ask_save, preview, schedule_not_understood
from bot.routing import Routes
from chat.turn import Turn
from contest.admin import draft_steps as steps
from contest.admin import drafts
from contest.admin.audit import authorize
from contest.admin.draft_steps import COMPOSITIONS, END_DAYS, Answer, Choices, Step
from contest.competitions import parse_definition
from contest.schedules import PRESETS
from contest.zones import zone_name
from i18n import t

router = Routes(__name__)
SHOWN_CHOICES = 8


class NewCompetition(StatesGroup):
    name = State()
    start = State()
    end = State()
    source = State()
    composition = State()
    qtime = State()
    total = State()
    attempts = State()
    team = State()
    level = State()
    announce = State()


class DraftCb(CallbackData, prefix="nc"):
    step: Step
    v: Token


def _keyboard(step: Step, options: list[tuple[str, str]], width: int = 2) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for label, value in options:
        builder.button(text=label[:60], callback_data=DraftCb(step=step, v=value))
    builder.adjust(width)
    return builder.as_markup()


async def _answers(state: FSMContext) -> dict[str, Any]:
    return dict((await state.get_data()).get("answers") or {})


async def _remember(state: FSMContext, **answers: Any) -> None:
    data = await state.get_data()
    await state.update_data(answers={**(data.get("answers") or {}), **answers})


# --- asking --------------------------------------------------------------------------------


async def _ask(message: Message, state: FSMContext, step: Step, turn: Turn) -> None:
    """Move to ``step`` and ask its question with its buttons."""
    await state.set_state(getattr(NewCompetition, step))
    options = await _options(step, state, turn)
    if step == "level" and len(options) <= 1:  # no levels to choose from: the team itself
        await _remember(state, team_level=None)
        await _ask(message, state, "announce", turn)
        return
    zone = (await _answers(state)).get("timezone", "")
    text = t(f"admin.dialog.ask_{step}", turn.lang, zone=zone_name(zone, turn.lang) if zone else "")
    await message.answer(text, reply_markup=_keyboard(step, options) if options else None)


async def _options(step: Step, state: FSMContext, turn: Turn) -> list[tuple[str, str]]:
    if step == "start":
        return [(t("admin.dialog.now", turn.lang), "now")]
    if step == "end":
        return [(t("admin.dialog.days_later", turn.lang, days=d), str(d)) for d in END_DAYS]
    if step == "source":
        return await _source_options(state, turn)
    if step == "composition":
        return [
            (_composition_label(items, turn.lang), str(i)) for i, items in enumerate(COMPOSITIONS)
        ]
    if step == "qtime":
        return [
            (t("admin.dialog.seconds", turn.lang, seconds=s), str(s))
            for s in drafts.QUESTION_SECONDS
        ]
    if step == "total":
        return [
            (
                t("admin.dialog.minutes", turn.lang, minutes=m)
                if m
                else t("admin.dialog.no_limit", turn.lang),
                str(m),
            )
            for m in drafts.TOTAL_MINUTES
        ]
    if step == "attempts":
        return [(t("admin.dialog.times", turn.lang, n=n), str(n)) for n in drafts.ATTEMPTS]
    if step == "team":
        return [
            (t(f"admin.team_mode.{m.value}", turn.lang, n=drafts.TOP_N_DEFAULT), m.value)
            for m in drafts.TEAM_MODES
        ]
    if step == "level":
        levels = await drafts.team_levels(turn.session)
        await state.update_data(levels=levels[:SHOWN_CHOICES])
        leaf = [(t("admin.team_level.leaf", turn.lang), "leaf")]
        return leaf + [(name, f"l{i}") for i, name in enumerate(levels[:SHOWN_CHOICES])]
    return [(t(f"admin.schedule.preset.{name}", turn.lang), name) for name in PRESETS]


async def _source_options(state: FSMContext, turn: Turn) -> list[tuple[str, str]]:
    bank = await drafts.bank_choices(turn.session)
    await state.update_data(sets=bank.sets[:200], categories=bank.categories[:200])
    options = [(t("admin.dialog.all_questions", turn.lang), "all")]
    options += [
        (t("admin.dialog.a_set", turn.lang, name=name), f"s{i}")
        for i, name in enumerate(bank.sets[:SHOWN_CHOICES])
    ]
    options += [
        (t("admin.dialog.a_category", turn.lang, name=name), f"c{i}")
        for i, name in enumerate(bank.categories[:SHOWN_CHOICES])
    ]
    return options


def _composition_label(items: list[dict[str, Any]], lang: str) -> str:
    return " + ".join(
        t(
            "admin.competitions.composition_item",
            lang,
            count=item["count"],
            type=t(f"bank.type.{item['type']}", lang),
        )
        for item in items
    )


# --- the steps -----------------------------------------------------------------------------


@router.message(Command("new_competition"))
async def start(message: Message, turn: Turn, state: FSMContext) -> None:
    await begin(message, turn, state)


async def begin(message: Message, turn: Turn, state: FSMContext) -> None:
    """Start a new draft (refused, and audited, for someone who may not create one)."""
    await authorize(turn.session, turn.acting, "competition.create", clock=turn.wall)
    await state.set_state(NewCompetition.name)
    await state.set_data({})
    await message.answer(t("admin.dialog.ask_name", turn.lang))


@router.message(Command("cancel"), F.text, NewCompetition())
async def cancel(message: Message, turn: Turn, state: FSMContext) -> None:
    await state.clear()
    await message.answer(t("admin.cancelled", turn.lang))


@router.message(NewCompetition.name, F.text, ~F.text.startswith("/"))
async def got_name(message: Message, turn: Turn, state: FSMContext) -> None:
    name = (message.text or "").strip()
    if not name or len(name) > 200:
        await message.answer(t("admin.dialog.ask_name", turn.lang))
        return
    await _remember(state, name=name, timezone=turn.tz)
    await _ask(message, state, "start", turn)


async def _answer(
    message: Message, turn: Turn, state: FSMContext, step: Step, value: str, typed: str
) -> None:
    data = await state.get_data()
    choices = Choices(
        data.get("sets") or [], data.get("categories") or [], data.get("levels") or []
    )
    given = Answer(value=value, typed=typed, choices=choices, now=turn.wall())
    answered = steps.answer(step, data.get("answers") or {}, given)
    if answered == "admin.dialog.bad_announce":
        await message.answer(schedule_not_understood(typed, turn.lang))
        return
    if isinstance(answered, str):
        await message.answer(t(answered, turn.lang, text=html.escape(typed)))
        return
    await state.update_data(answers=answered)
    following = steps.next_step(step)
    if following is not None:
        await _ask(message, state, following, turn)
        return
    draft = drafts.definition(await _answers(state))
    definition = parse_definition(draft)  # a DefinitionRejected lists every problem
    await state.set_state(None)
    await state.set_data({"competition_draft": draft})
    await ask_save(message, preview(definition, turn.lang), turn.lang)


@router.message(NewCompetition(), F.text, ~F.text.startswith("/"))
async def typed_answer(message: Message, turn: Turn, state: FSMContext) -> None:
    step = str(await state.get_state()).rsplit(":", 1)[-1]
    await _answer(message, turn, state, step, "", message.text or "")  # type: ignore[arg-type]


@router.callback_query(DraftCb.filter())
async def button_answer(
    query: CallbackQuery, turn: Turn, callback_data: DraftCb, state: FSMContext
) -> None:
    if await state.get_state() != getattr(NewCompetition, callback_data.step).state:
        await query.answer(t("admin.expired", turn.lang), show_alert=True)
        return
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=None)
    await _answer(query.message, turn, state, callback_data.step, callback_data.v, "")
