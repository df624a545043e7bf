"""/broadcast: a message from the organisers to every registered worker, through the outbox.

/broadcast ID → the text → a preview → 确认 → one outbox row per worker with the dedup key
``broadcast:<competition>-<token>:<chat>``, so a second 确认 (or a replayed update) queues
nothing new; the progress message (sent / failed / blocked / pending) refreshes on demand.
"""

from __future__ import annotations

import html
import secrets
from contextlib import suppress
from typing import Literal

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_common import OrganiserFilter, confirm_cancelled, int_args, may_manage, refuse
from bot.callbacks import Token
from config import Settings
from contest.competitions import get_competition
from contest.organisers import audit
from contest.participation import broadcast_recipients
from i18n import t
from scheduler.outbox import batch_progress, enqueue
from storage.types import Clock

router = Router(name=__name__)
COMMANDS = ("broadcast",)
TEXT_LIMIT = 3500  # leaves room for the heading inside Telegram's 4096


class BroadcastStates(StatesGroup):
    text = State()
    confirm = State()


class BroadcastAction(CallbackData, prefix="bc"):
    action: Literal["send", "cancel", "refresh"]
    batch: Token  # "<competition>-<token>"


@router.message(Command("broadcast"), OrganiserFilter())
async def start(
    message: Message, command: CommandObject, session: AsyncSession, state: FSMContext,
    lang: str, settings: Settings,
) -> None:  # fmt: skip
    args = int_args(command)
    if not args or len(args) != 1:
        await message.answer(t("admin.broadcast.usage", lang))
        return
    competition = await get_competition(session, competition_id=args[0])
    if competition is None:
        await message.answer(t("admin.competitions.not_found", lang, competition_id=args[0]))
        return
    assert message.from_user is not None
    assert competition.id is not None
    if not await may_manage(session, settings=settings, user=message.from_user,
                            competition_id=competition.id):  # fmt: skip
        await message.answer(t("admin.refused_competition", lang, competition_id=competition.id))
        return
    await state.set_state(BroadcastStates.text)
    await state.set_data({"competition_id": competition.id, "name": competition.name})
    await message.answer(t("admin.broadcast.ask_text", lang, name=html.escape(competition.name)))


@router.message(Command("cancel"), BroadcastStates.text)
@router.message(Command("cancel"), BroadcastStates.confirm)
async def cancel_command(message: Message, state: FSMContext, lang: str) -> None:
    await state.clear()
    await message.answer(t("admin.cancelled", lang))


def _outgoing(name: str, text: str, lang: str) -> str:
    return t("admin.broadcast.message", lang, name=html.escape(name), text=html.escape(text))


def _keyboard(lang: str, batch: str, *actions: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in actions:
        builder.button(text=t(f"admin.broadcast.button_{action}", lang),
                       callback_data=BroadcastAction(action=action, batch=batch))  # fmt: skip
    return builder.as_markup()


@router.message(BroadcastStates.text, F.text)
async def got_text(message: Message, session: AsyncSession, state: FSMContext, lang: str) -> None:
    text = (message.text or "").strip()
    if not text or len(text) > TEXT_LIMIT:
        await message.answer(t("admin.broadcast.bad_text", lang, limit=TEXT_LIMIT))
        return
    data = await state.get_data()
    batch = f"{data['competition_id']}-{secrets.token_hex(4)}"
    count = len(await broadcast_recipients(session))
    await state.set_state(BroadcastStates.confirm)
    await state.update_data(text=text, batch=batch)
    preview = t("admin.broadcast.preview", lang, count=count,
                message=_outgoing(data["name"], text, "zh"))  # fmt: skip
    await message.answer(preview, reply_markup=_keyboard(lang, batch, "send", "cancel"))


@router.callback_query(BroadcastAction.filter(F.action == "send"), OrganiserFilter())
async def send(
    query: CallbackQuery, callback_data: BroadcastAction, session: AsyncSession,
    state: FSMContext, lang: str, clock: Clock,
) -> None:  # fmt: skip
    data = await state.get_data()
    batch = callback_data.batch
    if data.get("batch") != batch:  # already sent (or cancelled): never twice
        await query.answer(t("admin.broadcast.already", lang), show_alert=True)
        return
    await state.clear()
    queued = 0
    for chat_id in await broadcast_recipients(session):
        queued += await enqueue(
            session, dedup_key=f"broadcast:{batch}:{chat_id}", chat_id=chat_id,
            text=_outgoing(data["name"], data["text"], "zh"), batch=f"broadcast:{batch}",
            clock=clock,
        )  # fmt: skip
    await session.commit()
    await audit(session, actor_id=query.from_user.id, action="broadcast",
                detail={"competition_id": data["competition_id"], "batch": batch,
                        "queued": queued}, clock=clock)  # fmt: skip
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=None)
    text = await _progress_text(session, batch, lang)
    await query.message.answer(text, reply_markup=_keyboard(lang, batch, "refresh"))


async def _progress_text(session: AsyncSession, batch: str, lang: str) -> str:
    progress = await batch_progress(session, batch=f"broadcast:{batch}")
    key = "admin.broadcast.done" if progress.done else "admin.broadcast.progress"
    return t(key, lang, total=progress.total, sent=progress.sent, failed=progress.failed,
             blocked=progress.blocked, pending=progress.pending)  # fmt: skip


@router.callback_query(BroadcastAction.filter(F.action == "refresh"), OrganiserFilter())
async def refresh(
    query: CallbackQuery, callback_data: BroadcastAction, session: AsyncSession, lang: str
) -> None:
    text = await _progress_text(session, callback_data.batch, lang)
    await query.answer()
    keyboard = _keyboard(lang, callback_data.batch, "refresh")
    assert isinstance(query.message, Message)
    with suppress(TelegramBadRequest):  # "message is not modified": nothing new yet
        await query.message.edit_text(text, reply_markup=keyboard)


@router.callback_query(BroadcastAction.filter(F.action == "cancel"), OrganiserFilter())
async def cancel(
    query: CallbackQuery, callback_data: BroadcastAction, state: FSMContext, lang: str
) -> None:
    if (await state.get_data()).get("batch") == callback_data.batch:
        await state.clear()
    await confirm_cancelled(query, lang)


@router.message(Command(*COMMANDS), ~OrganiserFilter())
async def refuse_others(message: Message, session: AsyncSession, lang: str, clock: Clock) -> None:
    await refuse(message, session, lang=lang, clock=clock)
