"""How competitions and their schedules read in an organiser's chat (HTML, translated)."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import RowId
from bot.when import exact_minutes
from contest.competitions import CompetitionDefinition
from contest.models import Competition
from contest.rules import LEAF_LEVEL, CompetitionRules
from contest.schedules import Cadence, cadence, schedule_hint
from contest.zones import zone_name
from i18n import t

TIME_FORMAT = "%Y-%m-%d %H:%M"


def local_text(when: datetime, zone: str) -> str:
    return when.astimezone(ZoneInfo(zone)).strftime(TIME_FORMAT)


def competition_line(competition: Competition, lang: str) -> str:
    """ "#3 质量月竞赛 · 进行中 · 09-01 09:00 – 09-30 18:00" (HTML)."""
    return t(
        "admin.competitions.line",
        lang,
        id=competition.id,
        name=html.escape(competition.name),
        status=t(f"admin.status.{competition.status}", lang),
        start=local_text(competition.starts_at, competition.timezone),
        end=local_text(competition.ends_at, competition.timezone),
    )


def days_text(days: tuple[int, ...], lang: str) -> str:
    """周一、周五 / Monday, Friday (0 = Sunday)."""
    names = t("admin.schedule.days", lang).split(",")
    return t("admin.schedule.day_joiner", lang).join(names[d] for d in days)


def cadence_text(found: Cadence, lang: str) -> str:
    """每天 18:00 / 每周五 17:00 / 8:00–18:00 每 2 小时，整点发 / the cron line itself."""
    if found.kind == "daily":
        return t("admin.schedule.daily", lang, time=found.time)
    if found.kind == "weekly":
        return t("admin.schedule.weekly", lang, days=days_text(found.days, lang), time=found.time)
    if found.kind == "hourly":
        return _hourly_text(found, lang)
    return t("admin.schedule.cron", lang, cron=html.escape(found.cron))


def _hourly_text(found: Cadence, lang: str) -> str:
    words = "admin.schedule_words"
    every = (
        t(f"{words}.every_hours", lang, n=found.every)
        if found.every > 1
        else t(f"{words}.every_hour", lang)
    )
    minute = int(found.time.lstrip(":") or 0)
    at = t(f"{words}.at_minute", lang, minute=minute) if minute else t(f"{words}.on_the_hour", lang)
    window = (
        t(f"{words}.window", lang, first=found.window[0], last=found.window[1])
        if found.window
        else ""
    )
    days = t(f"{words}.days", lang, days=days_text(found.days, lang)) if found.days else ""
    return t(f"{words}.hourly", lang, every=every, at=at, window=window, days=days)


def schedule_not_understood(typed: str, lang: str) -> str:
    """Why typed words made no schedule: what was understood of them, and examples."""
    hint = schedule_hint(typed)
    words = "admin.schedule_words"
    lines = [t(f"{words}.not_understood", lang, text=html.escape(typed))]
    if hint.too_often:
        lines.append(t(f"{words}.too_often", lang))
    elif hint.days:
        days = t(f"{words}.days", lang, days=days_text(hint.days, lang)).strip()
        example = f"{days} 17:00"
        lines.append(t(f"{words}.understood_days", lang, days=days, example=example))
    lines.append(t(f"{words}.examples", lang))
    return "\n".join(lines)


def announce_text(rules: CompetitionRules, lang: str) -> str:
    """When leaderboards go out, in words."""
    periodic = cadence_text(cadence(rules.announce.cron), lang) if rules.announce.cron else ""
    if periodic and rules.announce.final_results:
        return t("admin.schedule.periodic_and_final", lang, when=periodic)
    if periodic:
        return periodic
    key = "admin.schedule.end_only" if rules.announce.final_results else "admin.schedule.off"
    return t(key, lang)


def _team_text(rules: CompetitionRules, lang: str) -> str:
    team = rules.team
    mode = t(f"admin.team_mode.{team.mode.value}", lang, n=team.top_n or 0)
    level = t("admin.team_level.leaf", lang) if team.level == LEAF_LEVEL else team.level
    return t("admin.competitions.preview_team", lang, mode=mode, level=html.escape(level))


def _source_text(rules: CompetitionRules, lang: str) -> str:
    chosen = [*rules.source.sets, *rules.source.categories]
    if not chosen:
        return t("admin.competitions.preview_source_all", lang)
    return t("admin.competitions.preview_source", lang, names=html.escape("、".join(chosen)))


def _limits_text(rules: CompetitionRules, lang: str) -> str:
    """每题限时 30 秒，整卷限时 5 分钟 — or 全卷最长 7 分 30 秒（15 题 × 每题 30 秒）, the
    figure workers are told, when 整卷限时 is absent or too long to apply."""
    total = rules.total_time_limit_s
    per = {"count": rules.question_count, "qtime": rules.question_time_limit_s}
    cap = duration_text(rules.paper_time_s, lang)
    if total and rules.total_limit_applies:
        whole = t("admin.competitions.total_minutes", lang, minutes=total // 60)
    elif total:
        whole = t("admin.preview_time.never_applies", lang, minutes=total // 60, cap=cap, **per)
    else:
        whole = t("admin.preview_time.longest", lang, cap=cap, **per)
    return t(
        "admin.competitions.preview_limits",
        lang,
        seconds=rules.question_time_limit_s,
        total=whole,
        attempts=rules.attempts_allowed,
    )


def duration_text(seconds: int, lang: str) -> str:
    """7 分钟 30 秒 / 5 分钟, exact, as workers are told (a limit compared with another must
    not round)."""
    return exact_minutes(seconds, lang)


def preview(definition: CompetitionDefinition, lang: str) -> str:
    """Everything that will be saved, for the organiser to confirm (HTML)."""
    rules = definition.rules
    items = [
        t(
            "admin.competitions.composition_item",
            lang,
            count=item.count,
            type=t(f"bank.type.{item.type.value}", lang),
        )
        for item in rules.composition
    ]
    lines = [
        t("admin.competitions.preview_title", lang),
        t("admin.competitions.preview_name", lang, name=html.escape(definition.name)),
        t(
            "admin.competitions.preview_times",
            lang,
            start=definition.starts_at.strftime(TIME_FORMAT),
            end=definition.ends_at.strftime(TIME_FORMAT),
            zone=html.escape(zone_name(definition.timezone, lang, at=definition.starts_at)),
        ),
        _source_text(rules, lang),
        t(
            "admin.competitions.preview_composition",
            lang,
            items="，".join(items),
            total=rules.question_count,
        ),
        _limits_text(rules, lang),
        _team_text(rules, lang),
        t("admin.competitions.preview_announce", lang, when=announce_text(rules, lang)),
        t("admin.competitions.preview_confirm", lang),
    ]
    return "\n".join(lines)


class CompetitionAction(CallbackData, prefix="cmp"):
    action: Literal["save", "cancel"]
    competition_id: RowId = 0


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
