"""Organisers upload question banks (题库) and rosters (花名册): check, report, confirm, import.

The pending upload lives in the FSM state (in the database), holding the Telegram file id
and checksum rather than the bytes: after a restart 导入 downloads the file again and
imports only if it is byte-for-byte the one that was checked.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
from pathlib import Path
from typing import Any, Literal

from aiogram import Bot, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Document, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_common import OrganiserFilter, admin_router, confirm_cancelled
from bot.callbacks import Token
from bot.competition_views import ask_save, preview
from bot.long_text import send_text
from bot.upload_report import render_report
from chat.turn import Turn
from config import Settings
from contest.admin import people
from contest.admin.audit import authorize
from contest.competitions import parse_definition
from contest.uploads import (
    COMPETITION,
    FileProblem,
    UploadKind,
    check_upload,
    competition_from_xlsx,
    content_problem,
    default_set_name,
    detect_kind,
    extension_problem,
)
from i18n import t
from quizbank.formats.archive import limits
from quizbank.service import validate_file

router = admin_router(__name__)
SHOWN_ERRORS = 10


class UploadStates(StatesGroup):
    choose_kind = State()
    confirm = State()


class UploadAction(CallbackData, prefix="upl"):
    action: Literal["bank", "roster", "import", "import_new", "cancel"]
    token: Token  # the first 16 hex digits of the file's sha256: stale buttons do nothing


def _is_upload(message: Message) -> bool:
    name = (message.document.file_name or "") if message.document else ""
    return Path(name).suffix.lower() not in COMPETITION


def _keyboard(lang: str, token: str, *actions: str) -> Any:
    builder = InlineKeyboardBuilder()
    for action in actions:
        label = t(f"admin.upload.button_{action}", lang)
        builder.button(text=label, callback_data=UploadAction(action=action, token=token))
    return builder.as_markup()


async def _download(bot: Bot, document: Document, limit: int) -> bytes | FileProblem | str:
    """The file's bytes, or why not (size is checked before and after downloading)."""
    if (document.file_size or 0) > limit:
        return "too_big"
    try:
        buffer = await bot.download(document.file_id)
    except TelegramBadRequest:
        return "download_failed"
    data = buffer.read() if buffer else b""
    return "too_big" if len(data) > limit else data


def _problem_text(problem: str, document: Document, settings: Settings, lang: str) -> str:
    size_mb = f"{(document.file_size or 0) / 1024 / 1024:.1f}"
    extension = html.escape(Path(document.file_name or "").suffix or "?")
    return t(
        f"admin.upload.{problem}",
        lang,
        extension=extension,
        size=size_mb,
        limit=f"{settings.upload_limit_mb:g}",
        **limits(),
    )


async def _read(bot: Bot, document: Document, limit: int) -> tuple[bytes, UploadKind] | str:
    """The checked bytes and what they are, or the problem code (nothing downloaded for
    a refused name or size)."""
    name = document.file_name or "upload"
    problem = extension_problem(name)
    data = problem or await _download(bot, document, limit)
    if not isinstance(data, bytes):
        return str(data)
    problem = await asyncio.to_thread(content_problem, data, name)  # inflates, to count
    kind = problem if problem else await asyncio.to_thread(detect_kind, data, name)
    return str(kind) if isinstance(kind, FileProblem) else (data, kind)


@router.message(F.document, _is_upload, OrganiserFilter())
async def on_document(
    message: Message, turn: Turn, bot: Bot, state: FSMContext, settings: Settings
) -> None:
    """A bank or roster file: only organisers of all competitions (both serve every one)."""
    document = message.document
    assert document is not None  # the F.document filter
    name = document.file_name or "upload"
    await authorize(
        turn.session, turn.acting, "upload.check", detail={"file": name}, clock=turn.wall
    )
    read = await _read(bot, document, settings.upload_limit_bytes)
    if isinstance(read, str):
        await message.answer(_problem_text(read, document, settings, turn.lang))
        return
    data, kind = read
    pending = {
        "file_id": document.file_id,
        "file_name": name,
        "checksum": hashlib.sha256(data).hexdigest(),
    }
    if kind is UploadKind.AMBIGUOUS:
        await state.set_state(UploadStates.choose_kind)
        await state.set_data({"upload": pending})
        await message.answer(
            t("admin.upload.ask_kind", turn.lang, filename=html.escape(name)),
            reply_markup=_keyboard(turn.lang, pending["checksum"][:16], "bank", "roster"),
        )
    elif kind is UploadKind.COMPETITION:
        await _offer_competition(message, state, data, turn.lang)
    else:
        chosen = UploadKind.ROSTER if kind is UploadKind.ROSTER else UploadKind.BANK
        await _check_and_report(
            message, state, data, pending | {"kind": chosen}, turn.lang, session=turn.session
        )


@router.callback_query(UploadAction.filter(F.action.in_({"bank", "roster"})))
async def on_kind_chosen(
    query: CallbackQuery, turn: Turn, callback_data: UploadAction, bot: Bot, state: FSMContext
) -> None:
    pending = await _pending(query, callback_data, state, turn.lang)
    if pending is None:
        return
    data = await _fetch_same(bot, pending)
    await query.answer()
    if data is None:
        await state.clear()
        assert query.message is not None
        await query.message.answer(t("admin.upload.changed", turn.lang))
        return
    assert isinstance(query.message, Message)
    await _check_and_report(
        query.message,
        state,
        data,
        pending | {"kind": callback_data.action},
        turn.lang,
        session=turn.session,
    )


async def _offer_competition(message: Message, state: FSMContext, data: bytes, lang: str) -> None:
    """An .xlsx competition definition: the same preview and 保存 as a YAML file."""
    draft = await asyncio.to_thread(competition_from_xlsx, data)
    definition = parse_definition(draft)  # a DefinitionRejected lists every problem
    await state.clear()
    await state.set_data({"competition_draft": draft})
    await ask_save(message, preview(definition, lang), lang)


async def _check_and_report(
    message: Message,
    state: FSMContext,
    data: bytes,
    pending: dict[str, Any],
    lang: str,
    *,
    session: AsyncSession,
) -> None:
    kind = UploadKind(pending["kind"])
    check = await check_upload(data, pending["file_name"], kind, session)
    text, full_report = render_report(check, lang, shown=SHOWN_ERRORS)
    if check.ok:
        await state.set_state(UploadStates.confirm)
        await state.set_data({"upload": pending | {"set_name": check.set_name}})
        # Questions other sets already hold: the organiser imports them too or leaves them out.
        actions = ("import", "import_new", "cancel") if check.overlaps else ("import", "cancel")
        keyboard = _keyboard(lang, pending["checksum"][:16], *actions)
        await send_text(message, text, reply_markup=keyboard)
    else:
        await state.clear()
        await send_text(message, text)
    if full_report is not None:
        stem = Path(pending["file_name"]).stem
        document = BufferedInputFile(full_report.encode("utf-8-sig"), f"{stem}-report.txt")
        caption = t("admin.upload.full_report", lang, filename=html.escape(pending["file_name"]))
        await message.answer_document(document, caption=caption)


async def _pending(
    query: CallbackQuery, callback_data: UploadAction, state: FSMContext, lang: str
) -> dict[str, Any] | None:
    pending = (await state.get_data()).get("upload")
    if not pending or pending["checksum"][:16] != callback_data.token:
        await query.answer(t("admin.expired", lang), show_alert=True)
        return None
    return pending


async def _fetch_same(bot: Bot, pending: dict[str, Any]) -> bytes | None:
    try:
        buffer = await bot.download(pending["file_id"])
    except TelegramBadRequest:
        return None
    data = buffer.read() if buffer else b""
    return data if hashlib.sha256(data).hexdigest() == pending["checksum"] else None


@router.callback_query(UploadAction.filter(F.action == "cancel"))
async def on_cancel(
    query: CallbackQuery, turn: Turn, callback_data: UploadAction, state: FSMContext
) -> None:
    if await _pending(query, callback_data, state, turn.lang) is None:
        return
    await state.clear()
    await confirm_cancelled(query, turn.lang)


@router.callback_query(UploadAction.filter(F.action.in_({"import", "import_new"})))
async def on_import(
    query: CallbackQuery, turn: Turn, callback_data: UploadAction, bot: Bot, state: FSMContext
) -> None:
    pending = await _pending(query, callback_data, state, turn.lang)
    if pending is None:
        return
    await state.clear()  # a second press finds nothing pending
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=None)
    data = await _fetch_same(bot, pending)
    if data is None:
        await query.message.answer(t("admin.upload.changed", turn.lang))
        return
    skip = callback_data.action == "import_new"
    await query.message.answer(await _import(turn, data, pending, skip_overlaps=skip))


async def _import(
    turn: Turn, data: bytes, pending: dict[str, Any], *, skip_overlaps: bool = False
) -> str:
    """One atomic, audited import; a rejected file raises with every bad row."""
    name = pending["file_name"]
    if pending["kind"] == UploadKind.ROSTER:
        roster = await people.import_workers(
            turn.session,
            actor=turn.acting,
            data=data,
            filename=name,
            checksum=pending["checksum"],
            clock=turn.wall,
        )
        return t(
            "admin.upload.imported_roster",
            turn.lang,
            rows=roster.rows,
            created=roster.created,
            updated=roster.updated,
            unchanged=roster.unchanged,
            teams=roster.teams_created,
        )
    report = await validate_file(data, filename=name)
    set_name = pending.get("set_name") or report.name or default_set_name(name)
    result = await people.import_bank(
        turn.session,
        actor=turn.acting,
        report=report,
        set_name=set_name,
        clock=turn.wall,
        skip_overlaps=skip_overlaps,
    )
    text = t(
        "admin.upload.imported_bank",
        turn.lang,
        name=html.escape(result.set_name),
        version=result.version,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        deactivated=result.deactivated,
    )
    if result.skipped_overlaps:
        text += "\n" + t("bank.overlap.skipped", turn.lang, count=result.skipped_overlaps)
    return text
