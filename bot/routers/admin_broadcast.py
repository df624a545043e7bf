"""/broadcast: a message from the organisers to every registered worker, through the outbox.

/broadcast [ID] → the text → a preview → 确认 → ``contest.admin.broadcast.queue_broadcast``
(each worker gets it in their own language; a second 确认 queues nothing new) → progress
(sent / failed / blocked / pending), refreshed on demand.
"""

from __future__ import annotations

import html
import secrets
from contextlib import suppress
from typing import Literal

from aiogram import F
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.admin_common import PickCb, admin_router, confirm_cancelled, int_args, offer
from bot.callbacks import Token
from chat.turn import Turn
from contest.admin import broadcast
from contest.competitions import require_competition
from i18n import t

router = admin_router(__name__)


class BroadcastStates(StatesGroup):
    text = State()
    confirm = State()


class BroadcastAction(CallbackData, prefix="bc"):
    action: Literal["send", "cancel", "refresh"]
    batch: Token  # "<competition>-<token>"


def outgoing(name: str, text: str, lang: str) -> str:
    """The message as a worker reading ``lang`` receives it."""
    return t("admin.broadcast.message", lang, name=html.escape(name), text=html.escape(text))


def _keyboard(lang: str, batch: str, *actions: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in actions:
        builder.button(
            text=t(f"admin.broadcast.button_{action}", lang),
            callback_data=BroadcastAction(action=action, batch=batch),
        )
    return builder.as_markup()


async def ask_text(message: Message, turn: Turn, state: FSMContext, competition_id: int) -> None:
    count = await broadcast.recipient_count(
        turn.session, actor=turn.acting, competition_id=competition_id, clock=turn.wall
    )
    competition = await require_competition(turn.session, competition_id=competition_id)
    await state.set_state(BroadcastStates.text)
    await state.set_data(
        {"competition_id": competition_id, "name": competition.name, "count": count}
    )
    await message.answer(
        t("admin.broadcast.ask_text", turn.lang, name=html.escape(competition.name))
    )


@router.message(Command("broadcast"))
async def start(message: Message, turn: Turn, command: CommandObject, state: FSMContext) -> None:
    args = int_args(command)
    if args is None or len(args) > 1:
        await message.answer(t("admin.broadcast.usage", turn.lang))
    elif args:
        await ask_text(message, turn, state, args[0])
    else:
        await offer(message, turn, "broadcast")


@router.callback_query(PickCb.filter(F.action == "broadcast"))
async def picked(
    query: CallbackQuery, turn: Turn, callback_data: PickCb, state: FSMContext
) -> None:
    assert isinstance(query.message, Message)
    await ask_text(query.message, turn, state, callback_data.c)
    await query.answer()


@router.message(Command("cancel"), BroadcastStates())
async def cancel_command(message: Message, turn: Turn, state: FSMContext) -> None:
    await state.clear()
    await message.answer(t("admin.cancelled", turn.lang))


@router.message(BroadcastStates.text, F.text, ~F.text.startswith("/"))
async def got_text(message: Message, turn: Turn, state: FSMContext) -> None:
    text = (message.text or "").strip()
    if not text or len(text) > broadcast.TEXT_LIMIT:
        await message.answer(t("admin.broadcast.bad_text", turn.lang, limit=broadcast.TEXT_LIMIT))
        return
    data = await state.get_data()
    batch = f"{data['competition_id']}-{secrets.token_hex(4)}"
    await state.set_state(BroadcastStates.confirm)
    await state.update_data(text=text, batch=batch)
    preview = t(
        "admin.broadcast.preview",
        turn.lang,
        count=data["count"],
        message=outgoing(data["name"], text, turn.lang),
    )
    await message.answer(preview, reply_markup=_keyboard(turn.lang, batch, "send", "cancel"))


@router.callback_query(BroadcastAction.filter(F.action == "send"))
async def send(
    query: CallbackQuery, turn: Turn, callback_data: BroadcastAction, state: FSMContext
) -> None:
    data = await state.get_data()
    batch = callback_data.batch
    if data.get("batch") != batch:  # already sent (or cancelled): never twice
        await query.answer(t("admin.broadcast.already", turn.lang), show_alert=True)
        return
    await state.clear()
    name, text = data["name"], data["text"]
    await broadcast.queue_broadcast(
        turn.session,
        actor=turn.acting,
        competition_id=int(data["competition_id"]),
        batch=batch,
        text=text,
        compose=lambda reader: outgoing(name, text, reader),
        clock=turn.wall,
    )
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=None)
    progress = await _progress_text(turn, batch)
    await query.message.answer(progress, reply_markup=_keyboard(turn.lang, batch, "refresh"))


async def _progress_text(turn: Turn, batch: str) -> str:
    progress = await broadcast.progress(
        turn.session, actor=turn.acting, batch=batch, clock=turn.wall
    )
    key = "admin.broadcast.done" if progress.done else "admin.broadcast.progress"
    return t(
        key,
        turn.lang,
        total=progress.total,
        sent=progress.sent,
        failed=progress.failed,
        blocked=progress.blocked,
        pending=progress.pending,
    )


@router.callback_query(BroadcastAction.filter(F.action == "refresh"))
async def refresh(query: CallbackQuery, turn: Turn, callback_data: BroadcastAction) -> None:
    text = await _progress_text(turn, callback_data.batch)
    await query.answer()
    keyboard = _keyboard(turn.lang, callback_data.batch, "refresh")
    assert isinstance(query.message, Message)
    with suppress(TelegramBadRequest):  # "message is not modified": nothing new yet
        await query.message.edit_text(text, reply_markup=keyboard)


@router.callback_query(BroadcastAction.filter(F.action == "cancel"))
async def cancel(
    query: CallbackQuery, turn: Turn, callback_data: BroadcastAction, state: FSMContext
) -> None:
    if (await state.get_data()).get("batch") == callback_data.batch:
        await state.clear()
    await confirm_cancelled(query, turn.lang)
