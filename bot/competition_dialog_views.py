"""What the /new_competition dialog shows: each step's buttons (only choices that can be
used: presets the chosen questions can fill, whole-paper limits that can apply), the way
back (◀ 上一步 on every step, a button per step to change), and refusals in words.
"""

from __future__ import annotations

import html
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import Token
from bot.competition_views import CompetitionAction, duration_text
from contest.admin import draft_steps as steps
from contest.admin import drafts
from contest.admin.draft_steps import Answers, Refusal, Step
from contest.definition_words import issue_text
from contest.errors import DefinitionIssue
from i18n import t

SHOWN_CHOICES = 8


class DraftCb(CallbackData, prefix="nc"):
    """A step's answer by button."""

    step: Step
    v: Token


class DraftGo(CallbackData, prefix="ncg"):
    """Go to ``step`` (◀ 上一步, 修改…); with ``edit`` the preview follows its answer."""

    step: Step
    edit: bool = False


class DraftEdit(CallbackData, prefix="nce"):
    """修改 on the preview: list the steps to change."""


def keyboard(
    step: Step, options: list[tuple[str, str]], lang: str, width: int = 2
) -> InlineKeyboardMarkup:
    """The step's choices, then ◀ 上一步 (every step but the first)."""
    builder = InlineKeyboardBuilder()
    for label, value in options:
        builder.button(text=label[:60], callback_data=DraftCb(step=step, v=value))
    builder.adjust(width)
    back = steps.previous_step(step)
    if back is not None:
        builder.row(
            InlineKeyboardButton(
                text=t("admin.dialog_nav.back", lang), callback_data=DraftGo(step=back).pack()
            )
        )
    return builder.as_markup()


def step_buttons(chosen: list[Step], lang: str) -> InlineKeyboardMarkup:
    """One "修改：组卷" button per step, then 取消."""
    builder = InlineKeyboardBuilder()
    for step in chosen:
        name = t(f"admin.dialog_nav.step.{step}", lang)
        builder.button(
            text=t("admin.dialog_nav.change", lang, step=name),
            callback_data=DraftGo(step=step, edit=True),
        )
    builder.button(
        text=t("admin.competitions.button_cancel", lang),
        callback_data=CompetitionAction(action="cancel"),
    )
    builder.adjust(2)
    return builder.as_markup()


def composition_label(items: list[dict[str, Any]], lang: str) -> str:
    return " + ".join(
        t(
            "admin.competitions.composition_item",
            lang,
            count=item["count"],
            type=t(f"bank.type.{item['type']}", lang),
        )
        for item in items
    )


def holdings(counts: dict[str, int], lang: str) -> str:
    """题库：单选 9 · 判断 12 · 多选 0 · 填空 0 — what the chosen questions hold."""
    if not counts:
        return t("admin.dialog_bank.empty", lang)
    parts = [
        t("admin.dialog_bank.count", lang, type=t(f"quiz.type.{qtype}", lang), count=count)
        for qtype, count in sorted(counts.items(), key=lambda kv: -kv[1])
    ]
    return t("admin.dialog_bank.holds", lang, counts=" · ".join(parts))


def refusal_text(refusal: Refusal, typed: str, lang: str) -> str:
    params = dict(refusal.params)
    if "cap" in params:
        params["cap"] = duration_text(int(params["cap"]), lang)
    return t(refusal.key, lang, text=html.escape(typed), **params)


def cap_line(answers: Answers, lang: str) -> str:
    """15 题 × 每题 30 秒：全卷最长 7 分 30 秒."""
    count = sum(int(item["count"]) for item in answers.get("composition") or [])
    return t(
        "admin.dialog_time.cap",
        lang,
        count=count,
        qtime=int(answers.get("question_time_limit_s") or 30),
        cap=duration_text(steps.paper_seconds(answers), lang),
    )


def issues_text(title: str, issues: list[DefinitionIssue], lang: str) -> str:
    lines = [title, *(f"• {html.escape(issue_text(issue, lang))}" for issue in issues)]
    return "\n".join(lines)


def issue_steps(issues: list[DefinitionIssue]) -> list[Step]:
    """The steps that set the refused fields, in the dialog's order (composition when the
    issue names none)."""
    found = {steps.step_for(issue.loc) or "composition" for issue in issues}
    return [step for step in steps.ORDER if step in found]


def total_options(answers: Answers, lang: str) -> list[tuple[str, str]]:
    return [
        (
            t("admin.dialog.minutes", lang, minutes=m) if m else t("admin.dialog.no_limit", lang),
            str(m),
        )
        for m in steps.total_choices(answers)
    ]


def composition_options(
    fitting: list[int], fitted: list[dict[str, Any]], lang: str
) -> list[tuple[str, str]]:
    """The usual mixes the chosen questions can fill, and the mix fitted to them."""
    options = [(composition_label(steps.COMPOSITIONS[i], lang), str(i)) for i in fitting]
    if fitted:
        label = t("admin.dialog_bank.fitted", lang, mix=composition_label(fitted, lang))
        options.append((label, "f"))
    return options


def source_options(bank: drafts.BankChoices, lang: str) -> list[tuple[str, str]]:
    options = [(t("admin.dialog.all_questions", lang), "all")]
    options += [
        (t("admin.dialog.a_set", lang, name=name), f"s{i}")
        for i, name in enumerate(bank.sets[:SHOWN_CHOICES])
    ]
    options += [
        (t("admin.dialog.a_category", lang, name=name), f"c{i}")
        for i, name in enumerate(bank.categories[:SHOWN_CHOICES])
    ]
    return options
