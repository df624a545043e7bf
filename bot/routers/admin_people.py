"""One person, one record, for organisers: /pending lists 待确认 workers (with the roster
entries that share their name, one tap to merge), /confirm and /merge act on them.

Permission and the audit row are the core's (``contest.admin.people``)."""

from __future__ import annotations

import html

from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.admin_common import admin_router
from bot.callbacks import RowId
from chat.turn import Turn
from contest.admin import people
from contest.people import PendingWorker
from i18n import t

router = admin_router(__name__)


class PeopleCb(CallbackData, prefix="pp"):
    """Confirm worker ``w`` (``k`` = 0), or merge ``w`` into the roster record ``k``."""

    w: RowId
    k: RowId = 0


def _line(person: PendingWorker, lang: str) -> str:
    extra = [f"@{html.escape(person.username)}"] if person.username else []
    if person.employee_no:
        extra.append(t("admin.people.typed_no", lang, no=html.escape(person.employee_no)))
    team = html.escape(person.team_label) or t("admin.people.no_team", lang)
    return t(
        "admin.people.line",
        lang,
        id=person.worker_id,
        name=html.escape(person.name),
        team=team,
        extra=" · ".join(extra),
    )


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


@router.message(Command("pending"))
async def list_pending(message: Message, turn: Turn) -> None:
    waiting = await people.pending(turn.session, actor=turn.acting, clock=turn.wall)
    if not waiting:
        await message.answer(t("admin.people.none", turn.lang))
        return
    await message.answer(t("admin.people.title", turn.lang, n=len(waiting)))
    for person in waiting:
        await message.answer(_line(person, turn.lang), reply_markup=_buttons(person, turn.lang))


@router.callback_query(PeopleCb.filter())
async def on_people(query: CallbackQuery, turn: Turn, callback_data: PeopleCb) -> None:
    who = f"#{callback_data.w}"
    if callback_data.k:
        kept = await people.merge(
            turn.session,
            actor=turn.acting,
            keep_ref=f"#{callback_data.k}",
            drop_ref=who,
            clock=turn.wall,
        )
        text = t("admin.people.merged", turn.lang, name=html.escape(kept.real_name))
    else:
        confirmed = await people.confirm(
            turn.session, actor=turn.acting, worker_ref=who, clock=turn.wall
        )
        text = t("admin.people.confirmed", turn.lang, name=html.escape(confirmed.real_name))
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text)


@router.message(Command("confirm", "merge"))
async def by_reference(message: Message, turn: Turn, command: CommandObject) -> None:
    """/confirm <who> · /merge <kept: roster record> <merged: duplicate> (#id, 工号, @user)."""
    parts = (command.args or "").split()
    merging = command.command == "merge"
    if len(parts) != (2 if merging else 1):
        await message.answer(t("admin.people.usage", turn.lang))
        return
    if merging:
        kept = await people.merge(
            turn.session, actor=turn.acting, keep_ref=parts[0], drop_ref=parts[1], clock=turn.wall
        )
        await message.answer(t("admin.people.merged", turn.lang, name=html.escape(kept.real_name)))
    else:
        confirmed = await people.confirm(
            turn.session, actor=turn.acting, worker_ref=parts[0], clock=turn.wall
        )
        await message.answer(
            t("admin.people.confirmed", turn.lang, name=html.escape(confirmed.real_name))
        )
