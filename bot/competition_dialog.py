"""/new_competition: a guided dialog (name → start → end → composition) with a preview.

The draft is a plain definition mapping kept in the FSM state, so it survives a restart;
it is checked by the same ``parse_definition`` as a YAML file and saved by 保存.
"""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bot.admin_common import OrganiserFilter
from bot.competition_views import TIME_FORMAT, ask_save, issues_text, parse_local, preview
from config import Settings
from contest.competitions import parse_definition
from contest.errors import DefinitionRejected
from contest.rules import TYPE_ALIASES
from i18n import t

router = Router(name=__name__)

_TYPES = "|".join(sorted((re.escape(k) for k in TYPE_ALIASES), key=len, reverse=True))
_ITEM = re.compile(rf"(\d+)\s*(?:道|题)?\s*({_TYPES})|({_TYPES})\s*(\d+)")


class NewCompetition(StatesGroup):
    name = State()
    starts_at = State()
    ends_at = State()
    composition = State()


def parse_composition(text: str) -> list[dict[str, object]]:
    """ "10 单选 5 多选 5 判断" or "单选10，多选5" → composition items (empty if none)."""
    items: list[dict[str, object]] = []
    for match in _ITEM.finditer(text):
        count = match.group(1) or match.group(4)
        label = match.group(2) or match.group(3)
        items.append({"type": TYPE_ALIASES[label].value, "count": int(count)})
    return items


@router.message(Command("new_competition"), OrganiserFilter())
async def start(message: Message, state: FSMContext, lang: str) -> None:
    await state.set_state(NewCompetition.name)
    await state.set_data({})
    await message.answer(t("admin.dialog.ask_name", lang))


@router.message(Command("cancel"), F.text, NewCompetition.name)
@router.message(Command("cancel"), F.text, NewCompetition.starts_at)
@router.message(Command("cancel"), F.text, NewCompetition.ends_at)
@router.message(Command("cancel"), F.text, NewCompetition.composition)
async def cancel(message: Message, state: FSMContext, lang: str) -> None:
    await state.clear()
    await message.answer(t("admin.cancelled", lang))


@router.message(NewCompetition.name, F.text)
async def got_name(message: Message, state: FSMContext, lang: str, settings: Settings) -> None:
    name = (message.text or "").strip()
    if not name or name.startswith("/") or len(name) > 200:
        await message.answer(t("admin.dialog.ask_name", lang))
        return
    await state.update_data(name=name, timezone=settings.timezone)
    await state.set_state(NewCompetition.starts_at)
    await message.answer(t("admin.dialog.ask_start", lang, zone=settings.timezone))


@router.message(NewCompetition.starts_at, F.text)
async def got_start(message: Message, state: FSMContext, lang: str, settings: Settings) -> None:
    when = parse_local(message.text or "", settings.timezone)
    if when is None:
        await message.answer(t("admin.dialog.bad_time", lang))
        return
    await state.update_data(starts_at=when.strftime(TIME_FORMAT))
    await state.set_state(NewCompetition.ends_at)
    await message.answer(t("admin.dialog.ask_end", lang, zone=settings.timezone))


@router.message(NewCompetition.ends_at, F.text)
async def got_end(message: Message, state: FSMContext, lang: str, settings: Settings) -> None:
    when = parse_local(message.text or "", settings.timezone)
    data = await state.get_data()
    start = parse_local(data.get("starts_at", ""), settings.timezone)
    if when is None or start is None or when <= start:
        await message.answer(t("admin.dialog.bad_end", lang))
        return
    await state.update_data(ends_at=when.strftime(TIME_FORMAT))
    await state.set_state(NewCompetition.composition)
    await message.answer(t("admin.dialog.ask_composition", lang))


@router.message(NewCompetition.composition, F.text)
async def got_composition(message: Message, state: FSMContext, lang: str) -> None:
    items = parse_composition(message.text or "")
    if not items:
        await message.answer(t("admin.dialog.bad_composition", lang))
        return
    data = await state.get_data()
    draft = {"name": data["name"], "timezone": data["timezone"], "starts_at": data["starts_at"],
             "ends_at": data["ends_at"], "rules": {"composition": items}}  # fmt: skip
    try:
        definition = parse_definition(draft)
    except DefinitionRejected as exc:
        await message.answer(issues_text(exc, lang))
        return
    await state.set_state(None)
    await state.set_data({"competition_draft": draft})
    await ask_save(message, preview(definition, lang), lang)
