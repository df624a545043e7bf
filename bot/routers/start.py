"""Router: /start (with a team's deep-link join code), the registration dialog, /language.

Registration asks for the employee number first (工号, skippable): a worker the organiser
pre-registered from a roster only confirms; anyone else types their real name, which is
matched against the roster of the join link's team (one match: confirm; several: pick).
A join code from ``t.me/<bot>?start=<code>`` is kept in the conversation state and applied
at the end.
"""

from __future__ import annotations

from html import escape

from aiogram import F
from aiogram.filters import Command, CommandObject, CommandStart, or_f
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.board_texts import competition_lines
from bot.callbacks import LangCb, MenuCb, NextCb, RegCb, RosterPickCb, StartCb, TeamCb
from bot.errors import Registered, install
from bot.keyboards import (
    competitions_keyboard,
    confirm_keyboard,
    language_keyboard,
    menu_keyboard,
    skip_keyboard,
    teams_keyboard,
)
from bot.render import error_text
from bot.routing import Routes
from bot.unfinished import unfinished, with_open_question
from chat.turn import Turn
from contest.chats import mark_chat_reachable
from contest.errors import ContestError
from contest.offers import Offer, competition_of_payload, competition_offers
from contest.workers import (
    RosterMatch,
    clean_employee_no,
    find_roster_entry,
    join_by_code,
    join_by_id,
    register_worker,
    roster_by_name,
    set_language,
    team_choices,
)
from i18n import t

router = install(Routes(__name__))

QUIZ_PAYLOAD = "quiz"
"""``?start=quiz``: the group's button; not a join code."""
GUARDED_COMMANDS = (
    "quiz",
    "practice",
    "continue",
    "rank",
    "results",
    "menu",
    "language",
    "mute",
    "unmute",
    "practice_push",
    "me",
    "mistakes",
    "playoff",
)


class Registration(StatesGroup):
    employee_no = State()
    confirm = State()
    name = State()


@router.message(CommandStart())
async def on_start(message: Message, turn: Turn, command: CommandObject, state: FSMContext) -> None:
    payload = (command.args or "").strip()
    competition_id = competition_of_payload(payload)  # the group's 去答题 for one competition
    code = payload if payload and payload != QUIZ_PAYLOAD and competition_id is None else None
    await state.clear()  # a new /start restarts a half-done dialog
    if turn.worker is not None and turn.worker.registered_at is not None:
        if not turn.worker.active:
            await mark_chat_reachable(turn.session, chat_id=message.chat.id)
        text = t("start.already", turn.lang, name=escape(turn.worker.real_name))
        if code:
            text = f"{await _join_text(turn, code)}\n\n{text}"
        markup = menu_keyboard(turn.lang)
        if (offer := await _offer(turn, competition_id)) is not None:
            text = f"{text}\n\n{competition_lines([offer], turn.lang, now=turn.wall())}"
            markup = competitions_keyboard([offer])
        found = await unfinished(turn)
        text, shown = with_open_question(found, turn, text, markup)
        await message.answer(text, reply_markup=shown)
        return
    await state.update_data(join_code=code, competition=competition_id)
    await state.set_state(Registration.employee_no)
    await message.answer(
        f"{t('start.welcome', turn.lang)}\n\n{t('start.ask_employee_no', turn.lang)}",
        reply_markup=skip_keyboard(turn.lang),
    )


@router.message(Registration.employee_no, F.text, ~F.text.startswith("/"))
async def on_employee_no(message: Message, turn: Turn, state: FSMContext) -> None:
    number = clean_employee_no(message.text or "")
    assert message.from_user is not None
    match = await find_roster_entry(
        turn.session, employee_no=number, telegram_id=message.from_user.id
    )
    await state.update_data(employee_no=number)
    if match is None:
        await state.set_state(Registration.name)
        await message.answer(t("start.ask_name", turn.lang))
        return
    await state.update_data(roster_name=match.real_name)
    await state.set_state(Registration.confirm)
    team = " / ".join(match.team_path) or t("start.no_team", turn.lang)
    await message.answer(
        t(
            "start.roster_found",
            turn.lang,
            name=escape(match.real_name),
            employee_no=escape(match.employee_no),
            team=escape(team),
        ),
        reply_markup=confirm_keyboard(turn.lang),
    )


@router.callback_query(RegCb.filter(F.act == "skip"), Registration.employee_no)
@router.callback_query(RegCb.filter(F.act == "no"), Registration.confirm)
async def on_skip_or_not_me(query: CallbackQuery, turn: Turn, state: FSMContext) -> None:
    data = await state.get_data()
    if data.get("roster_id"):  # none of the same-named roster entries: register as typed
        await state.update_data(roster_id=None, roster_name=data.get("typed_name"))
        await on_its_me(query, turn, state)
        return
    await state.update_data(employee_no=None, roster_name=None)
    await state.set_state(Registration.name)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(t("start.ask_name", turn.lang))


@router.callback_query(RegCb.filter(F.act == "yes"), Registration.confirm)
async def on_its_me(query: CallbackQuery, turn: Turn, state: FSMContext) -> None:
    data = await state.get_data()
    await query.answer()
    new = await register_worker(
        turn.session,
        telegram_id=query.from_user.id,
        username=query.from_user.username,
        real_name=data.get("roster_name") or "",
        employee_no=data.get("employee_no"),
        language=turn.lang,
        clock=turn.wall,
        roster_worker_id=data.get("roster_id"),
    )
    assert isinstance(query.message, Message)
    turn.set_worker(new)
    await _welcome(query.message, state, turn, edit=True)


@router.callback_query(RosterPickCb.filter(), Registration.confirm)
async def on_roster_pick(
    query: CallbackQuery, turn: Turn, callback_data: RosterPickCb, state: FSMContext
) -> None:
    await state.update_data(roster_id=callback_data.w)
    await on_its_me(query, turn, state)


async def _offer_matches(
    message: Message, state: FSMContext, matches: list[RosterMatch], lang: str
) -> None:
    """Same-named roster entries in the join link's team: is one of them me?"""
    await state.set_state(Registration.confirm)
    first = matches[0]
    await state.update_data(
        roster_id=first.worker_id, roster_name=first.real_name, typed_name=message.text
    )
    if len(matches) == 1:
        team = " / ".join(first.team_path) or t("start.no_team", lang)
        text = t(
            "start.match.one",
            lang,
            name=escape(first.real_name),
            team=escape(team),
            tail=escape(first.employee_no[-3:]),
        )
        await message.answer(text, reply_markup=confirm_keyboard(lang))
        return
    builder = InlineKeyboardBuilder()
    for match in matches[:8]:
        label = t(
            "start.match.option",
            lang,
            team=" / ".join(match.team_path),
            tail=match.employee_no[-3:],
        )
        builder.button(text=label[:60], callback_data=RosterPickCb(w=match.worker_id))
    builder.button(text=t("start.button.not_me", lang), callback_data=RegCb(act="no"))
    builder.adjust(1)
    text = t("start.match.many", lang, name=escape(first.real_name), n=len(matches))
    await message.answer(text, reply_markup=builder.as_markup())


@router.message(Registration.name, F.text, ~F.text.startswith("/"))
async def on_name(message: Message, turn: Turn, state: FSMContext) -> None:
    assert message.from_user is not None
    data = await state.get_data()
    if not data.get("employee_no"):
        matches = await roster_by_name(
            turn.session,
            name=message.text or "",
            join_code=data.get("join_code"),
            telegram_id=message.from_user.id,
        )
        if matches:
            await _offer_matches(message, state, matches, turn.lang)
            return
    new = await register_worker(
        turn.session,
        telegram_id=message.from_user.id,
        username=message.from_user.username,
        real_name=message.text or "",
        employee_no=data.get("employee_no"),
        language=turn.lang,
        clock=turn.wall,
    )
    turn.set_worker(new)
    await _welcome(message, state, turn)


async def _welcome(message: Message, state: FSMContext, turn: Turn, *, edit: bool = False) -> None:
    """Registered (joined, what next) in one message: an edit of the tapped confirmation,
    or one reply to a typed name. Telegram allows a chat about one message a second."""
    data = await state.get_data()
    code = data.get("join_code")
    await state.clear()
    lines = [t("start.registered", turn.lang, name=escape(turn.me.real_name))]
    if turn.me.pending:
        lines.append(t("start.match.pending", turn.lang))
    keyboard, closing = menu_keyboard(turn.lang), t("menu.title", turn.lang)
    if code:
        lines.append(await _join_text(turn, code))
    elif turn.me.team_id is None and (choices := await team_choices(turn.session)):
        keyboard = teams_keyboard(choices, turn.lang)
        closing = t("start.choose_team", turn.lang)
    elif (offer := await _offer(turn, data.get("competition"))) is not None:
        keyboard = competitions_keyboard([offer])
        closing = competition_lines([offer], turn.lang, now=turn.wall())
    text = "\n".join(lines) + "\n\n" + closing
    if edit:
        await message.edit_text(text, reply_markup=keyboard)
    else:
        await message.answer(text, reply_markup=keyboard)


async def _offer(turn: Turn, competition_id: int | None) -> Offer | None:
    """The competition a deep link named, when it is open to this worker."""
    if competition_id is None:
        return None
    offers = await competition_offers(turn.session, worker_id=turn.my_id, clock=turn.wall)
    return next((offer for offer in offers if offer.id == competition_id), None)


async def _join_text(turn: Turn, code: str) -> str:
    try:
        joined = await join_by_code(turn.session, worker=turn.me, join_code=code, clock=turn.wall)
    except ContestError as error:  # said in the chat, then registration carries on
        return error_text(error, turn.lang)
    return t("start.joined", turn.lang, team=escape(" / ".join(joined.path)))


@router.callback_query(TeamCb.filter(), Registered())
async def on_team(query: CallbackQuery, turn: Turn, callback_data: TeamCb) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    text = t("menu.title", turn.lang)
    if callback_data.t:
        joined = await join_by_id(
            turn.session, worker=turn.me, team_id=callback_data.t, clock=turn.wall
        )
        team = escape(" / ".join(joined.path))
        text = f"{t('start.joined', turn.lang, team=team)}\n\n{text}"
    await query.message.edit_text(text, reply_markup=menu_keyboard(turn.lang))


@router.message(Command("language"), Registered())
async def on_language(message: Message, turn: Turn) -> None:
    await message.answer(t("start.choose_language", turn.lang), reply_markup=language_keyboard())


@router.callback_query(LangCb.filter(), Registered())
async def on_language_chosen(query: CallbackQuery, turn: Turn, callback_data: LangCb) -> None:
    await set_language(turn.session, worker=turn.me, language=callback_data.lang)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(t("start.language_set", callback_data.lang))


@router.message(Command(*GUARDED_COMMANDS), Registered(False))
async def on_unregistered_command(message: Message, turn: Turn) -> None:
    await message.answer(t("start.need_register", turn.lang))


@router.callback_query(
    or_f(MenuCb.filter(), StartCb.filter(), NextCb.filter(), TeamCb.filter(), LangCb.filter()),
    Registered(False),
)
async def on_unregistered_button(query: CallbackQuery, turn: Turn) -> None:
    await query.answer(t("start.need_register", turn.lang), show_alert=True)
