"""Router: /me — the worker's own profile (name, 工号, team, language) and a name correction.

A worker may correct a typo in their name until a competition they entered has closed
(:func:`contest.workers.name_locked_by`); /language changes the language. While the bot
waits for the new name, any command or button leaves that wait, so a later typed answer is
never taken for a name.
"""

from __future__ import annotations

from html import escape

from aiogram import F
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.errors import Registered, install
from bot.routing import Routes
from chat.turn import Turn
from contest.errors import ContestError
from contest.workers import Profile, profile, rename
from i18n import t

router = install(Routes(__name__))
router.message.filter(Registered())
router.callback_query.filter(Registered())


class ProfileCb(CallbackData, prefix="pf"):
    act: str  # "rename"


class ProfileEdit(StatesGroup):
    name = State()


def profile_text(me: Profile, lang: str) -> str:
    lines = [
        t("profile.title", lang),
        t("profile.name", lang, name=escape(me.real_name)),
        t("profile.employee_no", lang, value=escape(me.employee_no or t("profile.none", lang))),
        t("profile.team", lang, team=escape(" / ".join(me.team_path) or t("start.no_team", lang))),
        t("profile.language", lang, language=t(f"profile.languages.{me.language}", lang)),
        "",
    ]
    if me.name_locked_by is None:
        lines.append(t("profile.can_rename", lang))
    else:
        lines.append(t("profile.name_final", lang, name=escape(me.name_locked_by)))
    return "\n".join(lines)


def profile_keyboard(me: Profile, lang: str) -> InlineKeyboardMarkup | None:
    if me.name_locked_by is not None:
        return None
    builder = InlineKeyboardBuilder()
    builder.button(text=t("profile.button.rename", lang), callback_data=ProfileCb(act="rename"))
    return builder.as_markup()


@router.message(ProfileEdit.name, Command("cancel"))
async def on_cancel(message: Message, turn: Turn, state: FSMContext) -> None:
    await state.clear()
    await message.answer(t("profile.cancelled", turn.lang))


@router.message(ProfileEdit.name, F.text.startswith("/"))
@router.callback_query(ProfileEdit.name, ~ProfileCb.filter())
async def on_leave_rename(event: Message | CallbackQuery, state: FSMContext) -> None:
    """Another command or button: the name is not being corrected any more."""
    await state.clear()
    raise SkipHandler


@router.message(Command("me"))
async def on_me(message: Message, turn: Turn) -> None:
    me = await profile(turn.session, worker=turn.me, clock=turn.wall)
    await message.answer(profile_text(me, turn.lang), reply_markup=profile_keyboard(me, turn.lang))


@router.callback_query(ProfileCb.filter(F.act == "rename"))
async def on_rename(query: CallbackQuery, turn: Turn, state: FSMContext) -> None:
    await state.set_state(ProfileEdit.name)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(t("profile.ask_name", turn.lang))


@router.message(ProfileEdit.name, F.text, ~F.text.startswith("/"))
async def on_new_name(message: Message, turn: Turn, state: FSMContext) -> None:
    try:
        me = await rename(
            turn.session, worker=turn.me, real_name=message.text or "", clock=turn.wall
        )
    except ContestError as error:
        if error.code == "name_locked":
            await state.clear()  # final now: stop waiting for a name
        raise
    await state.clear()
    done = t("profile.renamed", turn.lang, name=escape(me.real_name))
    await message.answer(
        f"{done}\n\n{profile_text(me, turn.lang)}", reply_markup=profile_keyboard(me, turn.lang)
    )
