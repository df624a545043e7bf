"""Creating a competition: from a YAML file (or an .xlsx sheet, via the upload router) or the
/new_competition dialog; both end in a preview and 保存 (``contest.admin`` creates it)."""

from __future__ import annotations

from pathlib import Path

from aiogram import Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot import competition_dialog
from bot.admin_common import OrganiserFilter, admin_router, confirm_cancelled
from bot.competition_views import CompetitionAction, ask_save, competition_line, preview
from chat.turn import Turn
from config import Settings
from contest.admin import competitions as admin
from contest.competitions import parse_yaml
from contest.uploads import COMPETITION
from i18n import t

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
    created = await admin.create_competition(
        turn.session,
        actor=turn.acting,
        yaml_text=data.get("competition_yaml"),
        data=data.get("competition_draft"),
        clock=turn.wall,
    )
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_reply_markup(reply_markup=None)
    await query.message.answer(
        t("admin.competitions.created", turn.lang, line=competition_line(created, turn.lang))
    )


@router.callback_query(CompetitionAction.filter(F.action == "cancel"))
async def cancel(query: CallbackQuery, turn: Turn, state: FSMContext) -> None:
    await state.clear()
    await confirm_cancelled(query, turn.lang)


router.include(competition_dialog.router)
