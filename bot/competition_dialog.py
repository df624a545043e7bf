"""/new_competition: everything a YAML file can say that matters, asked one step at a time,
each with buttons for the usual answers (现在, 7 天, 30 秒, 平均分 …) and typed answers
understood as well; then a preview and 保存.

Every step offers only what can be used (the paper presets the chosen questions can fill,
whole-paper limits that can apply) and checks a typed answer as it comes, with ◀ 上一步 on
every step. Nothing entered is lost to a refusal: the answers stay, the reply says in words
what is wrong, with a button for each step to change; 修改 on the preview does the same.

The answers are a plain mapping kept in the conversation state (it survives a restart);
``contest.admin.draft_steps`` says what each answer means and ``contest.admin.drafts``
makes the definition and checks it against the bank; this module only asks and renders.
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import competition_dialog_views as views
from bot.competition_dialog_views import DraftCb, DraftEdit, DraftGo
from bot.competition_views import CompetitionAction, preview, schedule_not_understood
from bot.routing import Routes
from chat.turn import Turn
from contest.admin import draft_steps as steps
from contest.admin import drafts
from contest.admin.audit import authorize
from contest.admin.draft_steps import Answer, Answers, Choices, Refusal, Step
from contest.competitions import parse_definition
from contest.errors import DefinitionIssue, DefinitionRejected
from contest.papers import plan_rules
from contest.schedules import PRESETS
from contest.zones import zone_name
from i18n import t

router = Routes(__name__)


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


async def _answers(state: FSMContext) -> Answers:
    return dict((await state.get_data()).get("answers") or {})


# --- asking --------------------------------------------------------------------------------


async def _ask(
    message: Message,
    state: FSMContext,
    step: Step,
    turn: Turn,
    note: str = "",
    *,
    backwards: bool = False,
) -> None:
    """Move to ``step`` and ask its question with its buttons (after ``note``, if any)."""
    await state.set_state(getattr(NewCompetition, step))
    answers = await _answers(state)
    options, lead = await _options(step, state, answers, turn)
    if step == "level" and len(options) <= 1:  # no levels to choose from: the team itself
        await state.update_data(answers=answers | {"team_level": None})
        if backwards:  # ◀ 上一步 from the announcements: the step before this one
            await _ask(message, state, "team", turn, backwards=True)
        else:
            await _next(message, state, step, turn)
        return
    zone = answers.get("timezone", turn.tz)
    ask = t(f"admin.dialog.ask_{step}", turn.lang, zone=zone_name(zone, turn.lang))
    text = "\n\n".join(part for part in (note, lead, ask) if part)
    await message.answer(text, reply_markup=views.keyboard(step, options, turn.lang))


async def _options(
    step: Step, state: FSMContext, answers: Answers, turn: Turn
) -> tuple[list[tuple[str, str]], str]:
    """The step's buttons, and a line to say before its question."""
    lang = turn.lang
    if step == "start":
        return [(t("admin.dialog.now", lang), "now")], ""
    if step == "end":
        return [(t("admin.dialog.days_later", lang, days=d), str(d)) for d in steps.END_DAYS], ""
    if step == "source":
        bank = await drafts.bank_choices(turn.session)
        await state.update_data(sets=bank.sets[:200], categories=bank.categories[:200])
        return views.source_options(bank, lang), ""
    if step == "composition":
        return await _composition_options(state, answers, turn)
    if step == "qtime":
        return [
            (t("admin.dialog.seconds", lang, seconds=s), str(s)) for s in drafts.QUESTION_SECONDS
        ], ""
    if step == "total":
        return views.total_options(answers, lang), views.cap_line(answers, lang)
    if step == "attempts":
        return [(t("admin.dialog.times", lang, n=n), str(n)) for n in drafts.ATTEMPTS], ""
    if step == "team":
        return [
            (t(f"admin.team_mode.{m.value}", lang, n=drafts.TOP_N_DEFAULT), m.value)
            for m in drafts.TEAM_MODES
        ], ""
    if step == "level":
        levels = await drafts.team_levels(turn.session)
        await state.update_data(levels=levels[: views.SHOWN_CHOICES])
        leaf = [(t("admin.team_level.leaf", lang), "leaf")]
        return leaf + [(n, f"l{i}") for i, n in enumerate(levels[: views.SHOWN_CHOICES])], ""
    if step == "announce":
        return [(t(f"admin.schedule.preset.{name}", lang), name) for name in PRESETS], ""
    return [], ""


async def _composition_options(
    state: FSMContext, answers: Answers, turn: Turn
) -> tuple[list[tuple[str, str]], str]:
    """Only the mixes the chosen questions can fill on every paper, and one fitted to them;
    the line before says what the chosen questions hold."""
    counts = await drafts.bank_counts(turn.session, answers)
    fitting = [
        i
        for i, items in enumerate(steps.COMPOSITIONS)
        if not await drafts.paper_issues(turn.session, answers, items)
    ]
    fitted = drafts.fitted(counts)
    if (
        not fitted
        or any(steps.COMPOSITIONS[i] == fitted for i in fitting)
        or await drafts.paper_issues(turn.session, answers, fitted)
    ):
        fitted = []
    await state.update_data(fitted=fitted)
    return views.composition_options(fitting, fitted, turn.lang), views.holdings(counts, turn.lang)


# --- the steps -----------------------------------------------------------------------------


@router.message(Command("new_competition"))
async def start(message: Message, turn: Turn, state: FSMContext) -> None:
    await begin(message, turn, state)


async def begin(message: Message, turn: Turn, state: FSMContext) -> None:
    """Start a new draft (refused, and audited, for someone who may not create one)."""
    await authorize(turn.session, turn.acting, "competition.create", clock=turn.wall)
    await state.set_state(NewCompetition.name)
    await state.set_data({"answers": {"timezone": turn.tz}})
    await message.answer(t("admin.dialog.ask_name", turn.lang))


@router.message(Command("cancel"), F.text, NewCompetition())
async def cancel(message: Message, turn: Turn, state: FSMContext) -> None:
    await state.clear()
    await message.answer(t("admin.cancelled", turn.lang))


async def _answer(
    message: Message, turn: Turn, state: FSMContext, step: Step, value: str, typed: str
) -> None:
    data = await state.get_data()
    choices = Choices(
        data.get("sets") or [],
        data.get("categories") or [],
        data.get("levels") or [],
        data.get("fitted") or [],
    )
    given = Answer(value=value, typed=typed, choices=choices, now=turn.wall())
    answered = steps.answer(step, data.get("answers") or {}, given)
    if isinstance(answered, Refusal):
        await _refuse(message, state, step, turn, answered, typed)
        return
    if step == "composition":
        issues = await drafts.paper_issues(turn.session, answered, answered["composition"])
        if issues:
            title = t("admin.dialog_bank.too_big", turn.lang)
            await _ask(message, state, step, turn, views.issues_text(title, issues, turn.lang))
            return
    await state.update_data(answers=answered)
    if data.get("editing"):
        await finish(message, turn, state)
    else:
        await _next(message, state, step, turn)


async def _refuse(
    message: Message, state: FSMContext, step: Step, turn: Turn, refusal: Refusal, typed: str
) -> None:
    """Say why, and ask the step again with its buttons: nothing entered is lost."""
    if refusal.key == "admin.dialog.bad_announce":
        note = schedule_not_understood(typed, turn.lang)
    else:
        note = views.refusal_text(refusal, typed, turn.lang)
    if step == "name":
        await message.answer(f"{note}\n\n{t('admin.dialog.ask_name', turn.lang)}")
        return
    await _ask(message, state, step, turn, note)


async def _next(message: Message, state: FSMContext, step: Step, turn: Turn) -> None:
    following = steps.next_step(step)
    if following is None:
        await finish(message, turn, state)
    else:
        await _ask(message, state, following, turn)


async def finish(message: Message, turn: Turn, state: FSMContext) -> None:
    """The preview, after the very check 保存 makes; a refusal keeps every answer and offers
    the steps to change."""
    answers = await _answers(state)
    draft = drafts.definition(answers)
    try:
        definition = parse_definition(draft)
        await plan_rules(turn.session, definition.rules)
    except DefinitionRejected as refused:
        await refused_draft(message, turn, state, refused.issues)
        return
    late = steps.total_issue(answers)
    if late is not None:
        await refused_draft(message, turn, state, [late])
        return
    await state.set_state(None)
    await state.update_data(competition_draft=draft, editing=True)
    builder = InlineKeyboardBuilder()
    for action in ("save", "cancel"):
        builder.button(
            text=t(f"admin.competitions.button_{action}", turn.lang),
            callback_data=CompetitionAction(action=action),  # type: ignore[arg-type]
        )
    builder.row(
        InlineKeyboardButton(
            text=t("admin.dialog_nav.edit", turn.lang), callback_data=DraftEdit().pack()
        )
    )
    await message.answer(preview(definition, turn.lang), reply_markup=builder.as_markup())


async def refused_draft(
    message: Message, turn: Turn, state: FSMContext, issues: list[DefinitionIssue]
) -> None:
    """The problems in words and a button for each step to change; the answers are kept."""
    await state.set_state(None)
    await state.update_data(editing=True)
    chosen = views.issue_steps(issues)
    title = t("admin.dialog_nav.refused", turn.lang)
    text = views.issues_text(title, issues, turn.lang)
    await message.answer(
        f"{text}\n\n{t('admin.dialog_nav.kept', turn.lang)}",
        reply_markup=views.step_buttons(chosen, turn.lang),
    )


@router.message(NewCompetition(), F.text, ~F.text.startswith("/"))
async def typed_answer(message: Message, turn: Turn, state: FSMContext) -> None:
    step = str(await state.get_state()).rsplit(":", 1)[-1]
    await _answer(message, turn, state, step, "", message.text or "")  # type: ignore[arg-type]


async def _take_buttons(query: CallbackQuery) -> Message:
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=None)
    return query.message


@router.callback_query(DraftCb.filter())
async def button_answer(
    query: CallbackQuery, turn: Turn, callback_data: DraftCb, state: FSMContext
) -> None:
    if await state.get_state() != getattr(NewCompetition, callback_data.step).state:
        await query.answer(t("admin.expired", turn.lang), show_alert=True)
        return
    message = await _take_buttons(query)
    await _answer(message, turn, state, callback_data.step, callback_data.v, "")


async def _drafting(query: CallbackQuery, state: FSMContext, lang: str) -> dict[str, Any] | None:
    """The draft's data, or None (and 已过期) when there is no draft any more."""
    data = await state.get_data()
    if "answers" not in data:
        await query.answer(t("admin.expired", lang), show_alert=True)
        return None
    return data


@router.callback_query(DraftGo.filter())
async def go_to_step(
    query: CallbackQuery, turn: Turn, callback_data: DraftGo, state: FSMContext
) -> None:
    """◀ 上一步, or a step to change: ask it again; the other answers stay."""
    data = await _drafting(query, state, turn.lang)
    if data is None:
        return
    message = await _take_buttons(query)
    if not callback_data.edit:  # back in the flow: the following steps are asked again
        await state.update_data(editing=False)
    if callback_data.step == "name":
        await state.set_state(NewCompetition.name)
        await message.answer(t("admin.dialog.ask_name", turn.lang))
        return
    await _ask(message, state, callback_data.step, turn, backwards=not callback_data.edit)


@router.callback_query(DraftEdit.filter())
async def edit(query: CallbackQuery, turn: Turn, state: FSMContext) -> None:
    """修改 on the preview: a button for every step."""
    if await _drafting(query, state, turn.lang) is None:
        return
    message = await _take_buttons(query)
    await message.answer(
        t("admin.dialog_nav.which", turn.lang),
        reply_markup=views.step_buttons(list(steps.ORDER), turn.lang),
    )
