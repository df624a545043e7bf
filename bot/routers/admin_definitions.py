"""Creating a competition: from a YAML file (or an .xlsx sheet, via the upload router) or the
/new_competition dialog; both end in a preview and 保存 (``contest.admin`` creates it), and
then the next steps as buttons (open now, times, announcements, links sheet, teams)."""

from __future__ import annotations

from pathlib import Path

from aiogram import Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import competition_dialog
from bot.admin_common import OrganiserFilter, PickAction, PickCb, admin_router, confirm_cancelled
from bot.competition_views import (
    CompetitionAction,
    ask_save,
    competition_line,
    local_text,
    preview,
)
from bot.routers.admin_home import HomeCb
from bot.routers.web_face import LinksCb
from chat.turn import Turn, settle_refusal
from config import Settings
from contest.admin import competitions as admin
from contest.competitions import parse_yaml
from contest.errors import DefinitionRejected
from contest.models import Competition
from contest.uploads import COMPETITION
from i18n import t
from quizbank.service import bank_stats
from storage.ids import id_of

router = admin_router(__name__)


def _is_definition(message: Message) -> bool:
    name = (message.document.file_name or "") if message.document else ""
    return Path(name).suffix.lower() in COMPETITION


@router.message(F.document, _is_definition, OrganiserFilter())
async def on_definition(
    message: Message, turn: Turn, bot: Bot, state: FSMContext, settings: Settings
) -> None:
    document = message.document
    assert document is not None  # the F.document filter
    if (document.file_size or 0) > settings.upload_limit_bytes:
        size = f"{(document.file_size or 0) / 2**20:.1f}"
        limit = f"{settings.upload_limit_mb:g}"
        await message.answer(
            t("admin.upload.too_big", turn.lang, size=size, limit=limit, extension="")
        )
        return
    downloaded = await bot.download(document.file_id)
    assert downloaded is not None  # without a destination aiogram returns a BytesIO
    try:
        text = downloaded.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        await message.answer(t("admin.competitions.not_utf8", turn.lang))
        return
    definition = parse_yaml(text)  # a DefinitionRejected lists every problem
    await state.clear()
    await state.set_data({"competition_yaml": text})
    await ask_save(message, preview(definition, turn.lang), turn.lang)


@router.callback_query(CompetitionAction.filter(F.action == "save"))
async def save(query: CallbackQuery, turn: Turn, state: FSMContext) -> None:
    data = await state.get_data()
    if "competition_yaml" not in data and "competition_draft" not in data:
        await query.answer(t("admin.expired", turn.lang), show_alert=True)
        return
    await state.clear()  # a second press finds nothing to save
    assert isinstance(query.message, Message)
    try:
        created = await admin.create_competition(
            turn.session,
            actor=turn.acting,
            yaml_text=data.get("competition_yaml"),
            data=data.get("competition_draft"),
            clock=turn.wall,
        )
    except DefinitionRejected as refused:
        if "answers" not in data:  # a file: its problems in words; upload it again
            raise
        # The bank changed since the preview: keep every answer, offer the steps to change.
        await settle_refusal(turn.session, refused)
        await state.set_data(data)
        await query.answer()
        await query.message.edit_reply_markup(reply_markup=None)
        await competition_dialog.refused_draft(query.message, turn, state, refused.issues)
        return
    await query.answer()
    await query.message.edit_reply_markup(reply_markup=None)
    done = t("admin.competitions.created", turn.lang, line=competition_line(created, turn.lang))
    start = local_text(created.starts_at, created.timezone)
    await query.message.answer(
        f"{done}\n{t('admin.created_next.opens', turn.lang, start=start)}",
        reply_markup=await _next_steps(created, turn),
    )


async def _next_steps(created: Competition, turn: Turn) -> InlineKeyboardMarkup:
    """What an organiser does next, with the buttons the commands already answer."""
    cid, lang = id_of(created), turn.lang
    picks: list[tuple[str, PickAction]] = [
        ("button_open", "open"),
        ("button_times", "set_times"),
        ("button_schedule", "set_schedule"),
        ("button_broadcast", "broadcast"),
    ]
    builder = InlineKeyboardBuilder()
    for key, action in picks:
        builder.button(
            text=t(f"admin.created_next.{key}", lang), callback_data=PickCb(action=action, c=cid)
        )
    words = "admin.created_next"
    builder.button(text=t(f"{words}.button_links", lang), callback_data=LinksCb(c=cid))
    builder.button(text=t(f"{words}.button_teams", lang), callback_data=HomeCb(act="teams"))
    if not (await bank_stats(turn.session)).total:
        builder.button(
            text=t("admin.created_next.button_upload", lang), callback_data=HomeCb(act="upload")
        )
    builder.adjust(2)
    return builder.as_markup()


@router.callback_query(CompetitionAction.filter(F.action == "cancel"))
async def cancel(query: CallbackQuery, turn: Turn, state: FSMContext) -> None:
    await state.clear()
    await confirm_cancelled(query, turn.lang)


router.include(competition_dialog.router)
