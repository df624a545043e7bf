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
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_common import PickCb, admin_router, confirm_cancelled, int_args, offer
from bot.callbacks import Token
from contest.admin import broadcast
from contest.admin.policy import Actor
from contest.competitions import require_competition
from i18n import t
from storage.types import Clock

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


async def ask_text(
    message: Message,
    session: AsyncSession,
    actor: Actor,
    state: FSMContext,
    competition_id: int,
    lang: str,
    clock: Clock,
) -> None:
    count = await broadcast.recipient_count(
        session, actor=actor, competition_id=competition_id, clock=clock
    )
    competition = await require_competition(session, competition_id=competition_id)
    await state.set_state(BroadcastStates.text)
    await state.set_data(
        {"competition_id": competition_id, "name": competition.name, "count": count}
    )
    await message.answer(t("admin.broadcast.ask_text", lang, name=html.escape(competition.name)))


@router.message(Command("broadcast"))
async def start(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    actor: Actor,
    state: FSMContext,
    lang: str,
    clock: Clock,
) -> None:
    args = int_args(command)
    if args is None or len(args) > 1:
        await message.answer(t("admin.broadcast.usage", lang))
    elif args:
        await ask_text(message, session, actor, state, args[0], lang, clock)
    else:
        await offer(message, session, actor, "broadcast", lang, clock)


@router.callback_query(PickCb.filter(F.action == "broadcast"))
async def picked(
    query: CallbackQuery,
    callback_data: PickCb,
    session: AsyncSession,
    actor: Actor,
    state: FSMContext,
    lang: str,
    clock: Clock,
) -> None:
    assert isinstance(query.message, Message)
    await ask_text(query.message, session, actor, state, callback_data.c, lang, clock)
    await query.answer()


@router.message(Command("cancel"), BroadcastStates())
async def cancel_command(message: Message, state: FSMContext, lang: str) -> None:
    await state.clear()
    await message.answer(t("admin.cancelled", lang))


@router.message(BroadcastStates.text, F.text, ~F.text.startswith("/"))
async def got_text(message: Message, state: FSMContext, lang: str) -> None:
    text = (message.text or "").strip()
    if not text or len(text) > broadcast.TEXT_LIMIT:
        await message.answer(t("admin.broadcast.bad_text", lang, limit=broadcast.TEXT_LIMIT))
        return
    data = await state.get_data()
    batch = f"{data['competition_id']}-{secrets.token_hex(4)}"
    await state.set_state(BroadcastStates.confirm)
    await state.update_data(text=text, batch=batch)
    preview = t(
        "admin.broadcast.preview",
        lang,
        count=data["count"],
        message=outgoing(data["name"], text, lang),
    )
    await message.answer(preview, reply_markup=_keyboard(lang, batch, "send", "cancel"))


@router.callback_query(BroadcastAction.filter(F.action == "send"))
async def send(
    query: CallbackQuery,
    callback_data: BroadcastAction,
    session: AsyncSession,
    actor: Actor,
    state: FSMContext,
    lang: str,
    clock: Clock,
) -> None:
    data = await state.get_data()
    batch = callback_data.batch
    if data.get("batch") != batch:  # already sent (or cancelled): never twice
        await query.answer(t("admin.broadcast.already", lang), show_alert=True)
        return
    await state.clear()
    name, text = data["name"], data["text"]
    await broadcast.queue_broadcast(
        session,
        actor=actor,
        competition_id=int(data["competition_id"]),
        batch=batch,
        text=text,
        compose=lambda reader: outgoing(name, text, reader),
        clock=clock,
    )
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=None)
    progress = await _progress_text(session, actor, batch, lang, clock)
    await query.message.answer(progress, reply_markup=_keyboard(lang, batch, "refresh"))


async def _progress_text(
    session: AsyncSession, actor: Actor, batch: str, lang: str, clock: Clock
) -> str:
    progress = await broadcast.progress(session, actor=actor, batch=batch, clock=clock)
    key = "admin.broadcast.done" if progress.done else "admin.broadcast.progress"
    return t(
        key,
        lang,
        total=progress.total,
        sent=progress.sent,
        failed=progress.failed,
        blocked=progress.blocked,
        pending=progress.pending,
    )


@router.callback_query(BroadcastAction.filter(F.action == "refresh"))
async def refresh(
    query: CallbackQuery,
    callback_data: BroadcastAction,
    session: AsyncSession,
    actor: Actor,
    lang: str,
    clock: Clock,
) -> None:
    text = await _progress_text(session, actor, callback_data.batch, lang, clock)
    await query.answer()
    keyboard = _keyboard(lang, callback_data.batch, "refresh")
    assert isinstance(query.message, Message)
    with suppress(TelegramBadRequest):  # "message is not modified": nothing new yet
        await query.message.edit_text(text, reply_markup=keyboard)


@router.callback_query(BroadcastAction.filter(F.action == "cancel"))
async def cancel(
    query: CallbackQuery, callback_data: BroadcastAction, state: FSMContext, lang: str
) -> None:
    if (await state.get_data()).get("batch") == callback_data.batch:
        await state.clear()
    await confirm_cancelled(query, lang)
