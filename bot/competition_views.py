"""How a competition reads in an organiser's chat, and local times typed by organisers."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import RowId
from contest.competitions import CompetitionDefinition
from contest.errors import DefinitionIssue, DefinitionRejected
from contest.models import Competition
from i18n import catalogue, t

TIME_FORMAT = "%Y-%m-%d %H:%M"
_INPUT_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")


def local_text(when: datetime, zone: str) -> str:
    return when.astimezone(ZoneInfo(zone)).strftime(TIME_FORMAT)


def parse_local(text: str, zone: str) -> datetime | None:
    """ "2026-09-01 09:00" (T or _ also separate date and time) in ``zone``, as aware time."""
    cleaned = text.strip().replace("T", " ").replace("_", " ")
    for fmt in _INPUT_FORMATS:
        try:
            naive = datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=ZoneInfo(zone))
    return None


def competition_line(competition: Competition, lang: str) -> str:
    """ "#3 质量月竞赛 · 进行中 · 09-01 09:00 – 09-30 18:00" (HTML)."""
    return t(
        "admin.competitions.line", lang, id=competition.id, name=html.escape(competition.name),
        status=t(f"admin.status.{competition.status}", lang),
        start=local_text(competition.starts_at, competition.timezone),
        end=local_text(competition.ends_at, competition.timezone),
    )  # fmt: skip


def preview(definition: CompetitionDefinition, lang: str) -> str:
    """What will be saved, for the organiser to confirm (HTML)."""
    rules = definition.rules
    parts = []
    for item in rules.composition:
        label = t(f"bank.type.{item.type.value}", lang)
        parts.append(t("admin.competitions.composition_item", lang, count=item.count, type=label))
    lines = [
        t("admin.competitions.preview_title", lang),
        t("admin.competitions.preview_name", lang, name=html.escape(definition.name)),
        t("admin.competitions.preview_times", lang,
          start=definition.starts_at.strftime(TIME_FORMAT),
          end=definition.ends_at.strftime(TIME_FORMAT), zone=html.escape(definition.timezone)),
        t("admin.competitions.preview_composition", lang, items="，".join(parts),
          total=rules.question_count),
        t("admin.competitions.preview_limits", lang, seconds=rules.question_time_limit_s,
          attempts=rules.attempts_allowed),
        t("admin.competitions.preview_confirm", lang),
    ]  # fmt: skip
    return "\n".join(lines)


class CompetitionAction(CallbackData, prefix="cmp"):
    action: Literal["open", "close", "save", "cancel"]
    competition_id: RowId = 0


def issues_text(exc: DefinitionRejected, lang: str) -> str:
    """Every problem of a definition (YAML or dialog), the first ten shown."""
    lines = [t("admin.competitions.invalid", lang, count=len(exc.issues))]
    lines += [f"• <code>{html.escape(i.loc or '-')}</code>: {html.escape(issue_message(i, lang))}"
              for i in exc.issues[:10]]  # fmt: skip
    return "\n".join(lines)


def issue_message(issue: DefinitionIssue, lang: str) -> str:
    """Our own issues (the paper check) in the organiser's language; pydantic's as they are."""
    if not issue.params or f"contest.definition.{issue.code}" not in catalogue(lang):
        return issue.message
    params = dict(issue.params)
    if "type" in params:
        params["type"] = t(f"quiz.type.{params['type']}", lang)
    return t(f"contest.definition.{issue.code}", lang, **params)


async def ask_save(message: Message, text: str, lang: str) -> None:
    """The preview with 保存 / 取消."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("admin.competitions.button_save", lang),
        callback_data=CompetitionAction(action="save"),
    )
    builder.button(
        text=t("admin.competitions.button_cancel", lang),
        callback_data=CompetitionAction(action="cancel"),
    )
    await message.answer(text, reply_markup=builder.as_markup())
