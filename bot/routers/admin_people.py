"""One person, one record, for organisers: /pending lists 待确认 workers (with the roster
entries that share their name, one tap to merge), /confirm and /merge act on them."""

from __future__ import annotations

import html

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_common import OrganiserFilter, contest_error_text, refuse
from bot.callbacks import RowId
from contest.errors import ContestError
from contest.people import (
    PendingWorker,
    confirm_worker,
    find_person,
    merge_workers,
    pending_workers,
)
from i18n import t
from storage.types import Clock

router = Router(name=__name__)

COMMANDS = ("pending", "confirm", "merge")


class PeopleCb(CallbackData, prefix="pp"):
    """Confirm worker ``w`` (``k`` = 0), or merge ``w`` into the roster record ``k``."""

    w: RowId
    k: RowId = 0


def _line(person: PendingWorker, lang: str) -> str:
    who = html.escape(person.name)
    extra = [f"@{html.escape(person.username)}"] if person.username else []
    if person.employee_no:
        extra.append(t("admin.people.typed_no", lang, no=html.escape(person.employee_no)))
    team = html.escape(person.team_label) or t("admin.people.no_team", lang)
    return t("admin.people.line", lang, id=person.worker_id, name=who, team=team,
             extra=" · ".join(extra))  # fmt: skip


def _buttons(person: PendingWorker, lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for worker_id, number, team in person.look_alikes[:4]:
        label = t("admin.people.merge_button", lang, team=team, tail=number[-3:])
        builder.button(text=label[:60], callback_data=PeopleCb(w=person.worker_id, k=worker_id))
    builder.button(
        text=t("admin.people.confirm_button", lang), callback_data=PeopleCb(w=person.worker_id)
    )
    builder.adjust(1)
    return builder.as_markup()


@router.message(Command("pending"), OrganiserFilter(global_only=True))
async def pending(message: Message, session: AsyncSession, lang: str) -> None:
    people = await pending_workers(session)
    if not people:
        await message.answer(t("admin.people.none", lang))
        return
    await message.answer(t("admin.people.title", lang, n=len(people)))
    for person in people:
        await message.answer(_line(person, lang), reply_markup=_buttons(person, lang))


@router.callback_query(PeopleCb.filter(), OrganiserFilter(global_only=True))
async def on_people(
    query: CallbackQuery, callback_data: PeopleCb, session: AsyncSession, lang: str, clock: Clock
) -> None:
    actor = query.from_user.id
    try:
        if callback_data.k:
            kept = await merge_workers(
                session, keep_id=callback_data.k, drop_id=callback_data.w, actor_id=actor,
                clock=clock,
            )  # fmt: skip
            text = t("admin.people.merged", lang, name=html.escape(kept.real_name))
        else:
            confirmed = await confirm_worker(
                session, worker_id=callback_data.w, actor_id=actor, clock=clock
            )
            text = t("admin.people.confirmed", lang, name=html.escape(confirmed.real_name))
    except ContestError as exc:
        text = contest_error_text(exc, lang)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text)


@router.message(Command("confirm", "merge"), OrganiserFilter(global_only=True))
async def by_reference(
    message: Message, command: CommandObject, session: AsyncSession, lang: str, clock: Clock
) -> None:
    """/confirm <who> · /merge <kept: roster record> <merged: duplicate> (#id, 工号, @user)."""
    parts = (command.args or "").split()
    merging = command.command == "merge"
    if len(parts) != (2 if merging else 1):
        await message.answer(t("admin.people.usage", lang))
        return
    people = [await find_person(session, ref=part) for part in parts]
    actor = message.from_user.id if message.from_user else 0
    try:
        if any(p is None or p.id is None for p in people):
            raise ContestError("worker_not_found")
        ids = [int(p.id or 0) for p in people if p is not None]
        if merging:
            kept = await merge_workers(
                session, keep_id=ids[0], drop_id=ids[1], actor_id=actor, clock=clock
            )
            text = t("admin.people.merged", lang, name=html.escape(kept.real_name))
        else:
            confirmed = await confirm_worker(session, worker_id=ids[0], actor_id=actor, clock=clock)
            text = t("admin.people.confirmed", lang, name=html.escape(confirmed.real_name))
    except ContestError as exc:
        text = contest_error_text(exc, lang)
    await message.answer(text)


@router.message(Command(*COMMANDS))
async def refused(message: Message, session: AsyncSession, lang: str, clock: Clock) -> None:
    await refuse(message, session, lang=lang, clock=clock)
