"""/new_competition: everything a YAML file can say that matters, asked one step at a time,
each with buttons for the usual answers (现在, 7 天, 30 秒, 平均分 …) and typed answers
understood as well; then a preview and 保存.

The answers are a plain mapping kept in the conversation state (it survives a restart);
``contest.admin.drafts`` says what they mean and makes the definition.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Literal

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import Token
from bot.competition_views import TIME_FORMAT, ask_save, preview
from config import Settings
from contest.admin import drafts
from contest.admin.audit import authorize
from contest.admin.policy import Actor
from contest.competitions import parse_definition
from contest.schedules import PRESETS, parse_schedule, preset
from contest.when import parse_when
from i18n import t
from storage.types import Clock

router = Router(name=__name__)
Step = Literal[
    "start",
    "end",
    "source",
    "composition",
    "qtime",
    "total",
    "attempts",
    "team",
    "level",
    "announce",
]
COMPOSITIONS = (
    [{"type": "single", "count": 10}, {"type": "true_false", "count": 5}],
    [
        {"type": "single", "count": 10},
        {"type": "multiple", "count": 5},
        {"type": "true_false", "count": 5},
    ],
    [{"type": "single", "count": 20}],
)
END_DAYS = (7, 14, 30)
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


async def _ask(
    message: Message, state: FSMContext, step: Step, lang: str, session: AsyncSession
) -> None:
    """Move to ``step`` and ask its question with its buttons."""
    await state.set_state(getattr(NewCompetition, step))
    options = await _options(step, state, lang, session)
    if step == "level" and len(options) <= 1:  # no levels to choose from: the team itself
        await _remember(state, team_level=None)
        await _ask(message, state, "announce", lang, session)
        return
    zone = (await _answers(state)).get("timezone", "")
    text = t(f"admin.dialog.ask_{step}", lang, zone=zone)
    await message.answer(text, reply_markup=_keyboard(step, options) if options else None)


async def _options(
    step: Step, state: FSMContext, lang: str, session: AsyncSession
) -> list[tuple[str, str]]:
    if step == "start":
        return [(t("admin.dialog.now", lang), "now")]
    if step == "end":
        return [(t("admin.dialog.days_later", lang, days=d), str(d)) for d in END_DAYS]
    if step == "source":
        return await _source_options(state, lang, session)
    if step == "composition":
        return [(_composition_label(items, lang), str(i)) for i, items in enumerate(COMPOSITIONS)]
    if step == "qtime":
        return [
            (t("admin.dialog.seconds", lang, seconds=s), str(s)) for s in drafts.QUESTION_SECONDS
        ]
    if step == "total":
        return [
            (
                t("admin.dialog.minutes", lang, minutes=m)
                if m
                else t("admin.dialog.no_limit", lang),
                str(m),
            )
            for m in drafts.TOTAL_MINUTES
        ]
    if step == "attempts":
        return [(t("admin.dialog.times", lang, n=n), str(n)) for n in drafts.ATTEMPTS]
    if step == "team":
        return [
            (t(f"admin.team_mode.{m.value}", lang, n=drafts.TOP_N_DEFAULT), m.value)
            for m in drafts.TEAM_MODES
        ]
    if step == "level":
        levels = await drafts.team_levels(session)
        await state.update_data(levels=levels[:SHOWN_CHOICES])
        leaf = [(t("admin.team_level.leaf", lang), "leaf")]
        return leaf + [(name, f"l{i}") for i, name in enumerate(levels[:SHOWN_CHOICES])]
    return [(t(f"admin.schedule.preset.{name}", lang), name) for name in PRESETS]


async def _source_options(
    state: FSMContext, lang: str, session: AsyncSession
) -> list[tuple[str, str]]:
    bank = await drafts.bank_choices(session)
    await state.update_data(sets=bank.sets[:200], categories=bank.categories[:200])
    options = [(t("admin.dialog.all_questions", lang), "all")]
    options += [
        (t("admin.dialog.a_set", lang, name=name), f"s{i}")
        for i, name in enumerate(bank.sets[:SHOWN_CHOICES])
    ]
    options += [
        (t("admin.dialog.a_category", lang, name=name), f"c{i}")
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
async def start(
    message: Message,
    session: AsyncSession,
    actor: Actor,
    state: FSMContext,
    lang: str,
    clock: Clock,
) -> None:
    await begin(message, session, actor, state, lang, clock)


async def begin(
    message: Message,
    session: AsyncSession,
    actor: Actor,
    state: FSMContext,
    lang: str,
    clock: Clock,
) -> None:
    """Start a new draft (refused, and audited, for someone who may not create one)."""
    await authorize(session, actor, "competition.create", clock=clock)
    await state.set_state(NewCompetition.name)
    await state.set_data({})
    await message.answer(t("admin.dialog.ask_name", lang))


@router.message(Command("cancel"), F.text, NewCompetition())
async def cancel(message: Message, state: FSMContext, lang: str) -> None:
    await state.clear()
    await message.answer(t("admin.cancelled", lang))


@router.message(NewCompetition.name, F.text, ~F.text.startswith("/"))
async def got_name(
    message: Message, session: AsyncSession, state: FSMContext, lang: str, settings: Settings
) -> None:
    name = (message.text or "").strip()
    if not name or len(name) > 200:
        await message.answer(t("admin.dialog.ask_name", lang))
        return
    await _remember(state, name=name, timezone=settings.timezone)
    await _ask(message, state, "start", lang, session)


Apply = Callable[[FSMContext, str, str, Clock], Awaitable[str | None]]


async def _start(state: FSMContext, value: str, typed: str, clock: Clock) -> str | None:
    zone = (await _answers(state))["timezone"]
    when = parse_when("now" if value == "now" else typed, zone=zone, now=clock())
    if when is None:
        return "admin.dialog.bad_time"
    await _remember(state, starts_at=when.strftime(TIME_FORMAT))
    return None


async def _end(state: FSMContext, value: str, typed: str, clock: Clock) -> str | None:
    answers = await _answers(state)
    zone = answers["timezone"]
    begin_at = parse_when(answers["starts_at"], zone=zone, now=clock())
    assert begin_at is not None
    when = (
        begin_at + timedelta(days=int(value))
        if value
        else parse_when(typed, zone=zone, now=clock(), base=begin_at)
    )
    if when is None or when <= begin_at:
        return "admin.dialog.bad_end"
    await _remember(state, ends_at=when.strftime(TIME_FORMAT))
    return None


async def _source(state: FSMContext, value: str, typed: str, clock: Clock) -> str | None:
    data = await state.get_data()
    sets, categories = data.get("sets") or [], data.get("categories") or []
    if value:
        index = int(value[1:]) if value[1:].isdigit() else len(sets) + len(categories)
        chosen_sets = sets[index : index + 1] if value.startswith("s") else []
        chosen = categories[index : index + 1] if value.startswith("c") else []
        await _remember(state, sets=chosen_sets, categories=chosen)
        return None
    names = drafts.parse_names(typed)
    if names is None or any(n not in sets and n not in categories for n in names):
        return "admin.dialog.bad_source"
    await _remember(
        state, sets=[n for n in names if n in sets], categories=[n for n in names if n not in sets]
    )
    return None


async def _composition(state: FSMContext, value: str, typed: str, clock: Clock) -> str | None:
    items = (
        COMPOSITIONS[int(value)]
        if value.isdigit() and int(value) < len(COMPOSITIONS)
        else (drafts.parse_composition(typed))
    )
    if not items:
        return "admin.dialog.bad_composition"
    await _remember(state, composition=items)
    return None


def _number(
    key: str, parse: Callable[[str], int | None], bounds: tuple[int, int], bad: str, scale: int = 1
) -> Apply:
    """A step answered with a number within ``bounds`` (0 for "no limit" where allowed)."""

    async def apply(state: FSMContext, value: str, typed: str, clock: Clock) -> str | None:
        number = int(value) if value.isdigit() else parse(typed)
        if number is None or not bounds[0] <= number <= bounds[1]:
            return bad
        await _remember(state, **{key: number * scale or None})
        return None

    return apply


async def _team(state: FSMContext, value: str, typed: str, clock: Clock) -> str | None:
    modes = {m.value for m in drafts.TEAM_MODES}
    if value not in modes:
        return "admin.dialog.use_buttons"
    await _remember(state, team_mode=value, team_top_n=drafts.TOP_N_DEFAULT)
    return None


async def _level(state: FSMContext, value: str, typed: str, clock: Clock) -> str | None:
    levels = (await state.get_data()).get("levels") or []
    if value == "leaf":
        await _remember(state, team_level=None)
    elif value.startswith("l") and value[1:].isdigit() and int(value[1:]) < len(levels):
        await _remember(state, team_level=levels[int(value[1:])])
    elif typed.strip() in levels:
        await _remember(state, team_level=typed.strip())
    else:
        return "admin.dialog.use_buttons"
    return None


async def _announce(state: FSMContext, value: str, typed: str, clock: Clock) -> str | None:
    choice = preset(value) if value in PRESETS else parse_schedule(typed)
    if choice is None:
        return "admin.dialog.bad_announce"
    await _remember(state, cron=choice.cron, final_results=choice.final_results)
    return None


STEPS: dict[Step, tuple[Apply, Step | None]] = {
    "start": (_start, "end"),
    "end": (_end, "source"),
    "source": (_source, "composition"),
    "composition": (_composition, "qtime"),
    "qtime": (
        _number(
            "question_time_limit_s", drafts.parse_seconds, (5, 3600), "admin.dialog.bad_seconds"
        ),
        "total",
    ),
    "total": (
        _number(
            "total_time_limit_s",
            drafts.parse_minutes,
            (0, 24 * 60),
            "admin.dialog.bad_minutes",
            scale=60,
        ),
        "attempts",
    ),
    "attempts": (
        _number("attempts_allowed", drafts.parse_count, (1, 100), "admin.dialog.bad_attempts"),
        "team",
    ),
    "team": (_team, "level"),
    "level": (_level, "announce"),
    "announce": (_announce, None),
}


async def _answer(
    message: Message,
    session: AsyncSession,
    state: FSMContext,
    step: Step,
    value: str,
    typed: str,
    lang: str,
    clock: Clock,
) -> None:
    apply, following = STEPS[step]
    problem = await apply(state, value, typed, clock)
    if problem is not None:
        await message.answer(t(problem, lang, text=html.escape(typed)))
        return
    if following is not None:
        await _ask(message, state, following, lang, session)
        return
    draft = drafts.definition(await _answers(state))
    definition = parse_definition(draft)  # a DefinitionRejected lists every problem
    await state.set_state(None)
    await state.set_data({"competition_draft": draft})
    await ask_save(message, preview(definition, lang), lang)


@router.message(NewCompetition(), F.text, ~F.text.startswith("/"))
async def typed_answer(
    message: Message, session: AsyncSession, state: FSMContext, lang: str, clock: Clock
) -> None:
    step = str(await state.get_state()).rsplit(":", 1)[-1]
    await _answer(message, session, state, step, "", message.text or "", lang, clock)  # type: ignore[arg-type]


@router.callback_query(DraftCb.filter())
async def button_answer(
    query: CallbackQuery,
    callback_data: DraftCb,
    session: AsyncSession,
    state: FSMContext,
    lang: str,
    clock: Clock,
) -> None:
    if await state.get_state() != getattr(NewCompetition, callback_data.step).state:
        await query.answer(t("admin.expired", lang), show_alert=True)
        return
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=None)
    await _answer(
        query.message, session, state, callback_data.step, callback_data.v, "", lang, clock
    )
