"""Router: /start (with a team's deep-link join code), the registration dialog, /language.

Registration asks for the employee number first (工号, skippable): a worker the organiser
pre-registered from a roster only confirms; anyone else types their real name, which is
matched against the roster of the join link's team (one match: confirm; several: pick).
A join code from ``t.me/<bot>?start=<code>`` is kept in the conversation state and applied
at the end.
"""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart, or_f
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import LangCb, MenuCb, NextCb, RegCb, RosterPickCb, StartCb, TeamCb
from bot.errors import Registered, install
from bot.keyboards import (
    confirm_keyboard,
    language_keyboard,
    menu_keyboard,
    skip_keyboard,
    teams_keyboard,
)
from bot.render import error_text
from contest.chats import mark_chat_reachable
from contest.errors import ContestError
from contest.models import Worker
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
from storage.types import Clock

router = install(Router(name=__name__))

QUIZ_PAYLOAD = "quiz"
"""``?start=quiz``: the group's button; not a join code."""
GUARDED_COMMANDS = ("quiz", "practice", "continue", "rank", "results", "menu", "language",
                    "mute", "unmute", "practice_push", "me", "mistakes", "playoff")  # fmt: skip


class Registration(StatesGroup):
    employee_no = State()
    confirm = State()
    name = State()


@router.message(CommandStart())
async def on_start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    session: AsyncSession,
    worker: Worker | None,
    lang: str,
    clock: Clock,
) -> None:
    payload = (command.args or "").strip()
    code = payload if payload and payload != QUIZ_PAYLOAD else None
    await state.clear()  # a new /start restarts a half-done dialog
    if worker is not None and worker.registered_at is not None:
        if not worker.active:
            await mark_chat_reachable(session, chat_id=message.chat.id)
        text = t("start.already", lang, name=escape(worker.real_name))
        if code:
            text = f"{await _join_text(session, worker, code, lang, clock)}\n\n{text}"
        await message.answer(text, reply_markup=menu_keyboard(lang))
        return
    await state.update_data(join_code=code)
    await state.set_state(Registration.employee_no)
    await message.answer(
        f"{t('start.welcome', lang)}\n\n{t('start.ask_employee_no', lang)}",
        reply_markup=skip_keyboard(lang),
    )


@router.message(Registration.employee_no, F.text, ~F.text.startswith("/"))
async def on_employee_no(
    message: Message, state: FSMContext, session: AsyncSession, lang: str
) -> None:
    number = clean_employee_no(message.text or "")
    assert message.from_user is not None
    match = await find_roster_entry(session, employee_no=number, telegram_id=message.from_user.id)
    await state.update_data(employee_no=number)
    if match is None:
        await state.set_state(Registration.name)
        await message.answer(t("start.ask_name", lang))
        return
    await state.update_data(roster_name=match.real_name)
    await state.set_state(Registration.confirm)
    team = " / ".join(match.team_path) or t("start.no_team", lang)
    await message.answer(
        t(
            "start.roster_found",
            lang,
            name=escape(match.real_name),
            employee_no=escape(match.employee_no),
            team=escape(team),
        ),
        reply_markup=confirm_keyboard(lang),
    )


@router.callback_query(RegCb.filter(F.act == "skip"), Registration.employee_no)
@router.callback_query(RegCb.filter(F.act == "no"), Registration.confirm)
async def on_skip_or_not_me(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, lang: str, clock: Clock
) -> None:
    data = await state.get_data()
    if data.get("roster_id"):  # none of the same-named roster entries: register as typed
        await state.update_data(roster_id=None, roster_name=data.get("typed_name"))
        await on_its_me(query, state, session, lang, clock)
        return
    await state.update_data(employee_no=None, roster_name=None)
    await state.set_state(Registration.name)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(t("start.ask_name", lang))


@router.callback_query(RegCb.filter(F.act == "yes"), Registration.confirm)
async def on_its_me(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, lang: str, clock: Clock
) -> None:
    data = await state.get_data()
    await query.answer()
    new = await register_worker(
        session,
        telegram_id=query.from_user.id,
        username=query.from_user.username,
        real_name=data.get("roster_name") or "",
        employee_no=data.get("employee_no"),
        language=lang,
        clock=clock,
        roster_worker_id=data.get("roster_id"),
    )
    assert isinstance(query.message, Message)
    await _welcome(query.message, state, session, new, lang, clock, edit=True)


@router.callback_query(RosterPickCb.filter(), Registration.confirm)
async def on_roster_pick(
    query: CallbackQuery,
    callback_data: RosterPickCb,
    state: FSMContext,
    session: AsyncSession,
    lang: str,
    clock: Clock,
) -> None:
    await state.update_data(roster_id=callback_data.w)
    await on_its_me(query, state, session, lang, clock)


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
        text = t("start.match.one", lang, name=escape(first.real_name), team=escape(team),
                 tail=escape(first.employee_no[-3:]))  # fmt: skip
        await message.answer(text, reply_markup=confirm_keyboard(lang))
        return
    builder = InlineKeyboardBuilder()
    for match in matches[:8]:
        label = t("start.match.option", lang, team=" / ".join(match.team_path),
                  tail=match.employee_no[-3:])  # fmt: skip
        builder.button(text=label[:60], callback_data=RosterPickCb(w=match.worker_id))
    builder.button(text=t("start.button.not_me", lang), callback_data=RegCb(act="no"))
    builder.adjust(1)
    text = t("start.match.many", lang, name=escape(first.real_name), n=len(matches))
    await message.answer(text, reply_markup=builder.as_markup())


@router.message(Registration.name, F.text, ~F.text.startswith("/"))
async def on_name(
    message: Message, state: FSMContext, session: AsyncSession, lang: str, clock: Clock
) -> None:
    assert message.from_user is not None
    data = await state.get_data()
    if not data.get("employee_no"):
        matches = await roster_by_name(session, name=message.text or "",
                                       join_code=data.get("join_code"),
                                       telegram_id=message.from_user.id)  # fmt: skip
        if matches:
            await _offer_matches(message, state, matches, lang)
            return
    new = await register_worker(
        session,
        telegram_id=message.from_user.id,
        username=message.from_user.username,
        real_name=message.text or "",
        employee_no=data.get("employee_no"),
        language=lang,
        clock=clock,
    )
    await _welcome(message, state, session, new, lang, clock)


async def _welcome(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    clock: Clock,
    *,
    edit: bool = False,
) -> None:
    """Registered (joined, what next) in one message: an edit of the tapped confirmation,
    or one reply to a typed name. Telegram allows a chat about one message a second."""
    code = (await state.get_data()).get("join_code")
    await state.clear()
    lines = [t("start.registered", lang, name=escape(worker.real_name))]
    if worker.pending:
        lines.append(t("start.match.pending", lang))
    keyboard, closing = menu_keyboard(lang), t("menu.title", lang)
    if code:
        lines.append(await _join_text(session, worker, code, lang, clock))
    elif worker.team_id is None and (choices := await team_choices(session)):
        keyboard, closing = teams_keyboard(choices, lang), t("start.choose_team", lang)
    text = "\n".join(lines) + "\n\n" + closing
    if edit:
        await message.edit_text(text, reply_markup=keyboard)
    else:
        await message.answer(text, reply_markup=keyboard)


async def _join_text(
    session: AsyncSession, worker: Worker, code: str, lang: str, clock: Clock
) -> str:
    try:
        joined = await join_by_code(session, worker=worker, join_code=code, clock=clock)
    except ContestError as error:  # said in the chat, then registration carries on
        return error_text(error, lang)
    return t("start.joined", lang, team=escape(" / ".join(joined.path)))


@router.callback_query(TeamCb.filter(), Registered())
async def on_team(
    query: CallbackQuery,
    callback_data: TeamCb,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    clock: Clock,
) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    text = t("menu.title", lang)
    if callback_data.t:
        joined = await join_by_id(session, worker=worker, team_id=callback_data.t, clock=clock)
        text = f"{t('start.joined', lang, team=escape(' / '.join(joined.path)))}\n\n{text}"
    await query.message.edit_text(text, reply_markup=menu_keyboard(lang))


@router.message(Command("language"), Registered())
async def on_language(message: Message, lang: str) -> None:
    await message.answer(t("start.choose_language", lang), reply_markup=language_keyboard())


@router.callback_query(LangCb.filter(), Registered())
async def on_language_chosen(
    query: CallbackQuery, callback_data: LangCb, session: AsyncSession, worker: Worker
) -> None:
    await set_language(session, worker=worker, language=callback_data.lang)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(t("start.language_set", callback_data.lang))


@router.message(Command(*GUARDED_COMMANDS), Registered(False))
async def on_unregistered_command(message: Message, lang: str) -> None:
    await message.answer(t("start.need_register", lang))


@router.callback_query(
    or_f(MenuCb.filter(), StartCb.filter(), NextCb.filter(), TeamCb.filter(), LangCb.filter()),
    Registered(False),
)
async def on_unregistered_button(query: CallbackQuery, lang: str) -> None:
    await query.answer(t("start.need_register", lang), show_alert=True)
