"""The live final in the organiser's chat: the host panel (the stage's state in a few lines,
the host's buttons under it) and the buzzer's button for a player. Rendering only; the
actions are the core's (:mod:`contest.live.flow`)."""

from __future__ import annotations

from html import escape
from typing import Any, Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import RowId
from i18n import t

Verb = Literal[
    "next",
    "start",
    "right",
    "wrong",
    "undo",
    "pause",
    "audience",
    "reveal",
    "segment",
    "finish",
    "view",
]
ROWS: tuple[tuple[Verb, ...], ...] = (
    ("next", "start"),
    ("right", "wrong"),
    ("undo", "pause"),
    ("audience", "reveal"),
    ("segment", "finish"),
    ("view",),
)
LETTERS = "ABCDEFGH"


class HostCb(CallbackData, prefix="lh"):
    """A host button: the final and the action."""

    f: RowId
    a: Verb
    n: RowId  # the stage's version the panel shows: a double tap is refused as stale


class PickCb(CallbackData, prefix="lp"):
    """风险题: the value the team in turn picks."""

    f: RowId
    v: RowId
    n: RowId


class BuzzCb(CallbackData, prefix="lb"):
    """A player's buzzer in chat."""

    f: RowId


def host_keyboard(view: dict[str, Any], lang: str) -> InlineKeyboardMarkup:
    final_id, version = view["final"]["id"], view["final"]["version"]
    builder = InlineKeyboardBuilder()
    question = view["question"]
    if question is not None and question["phase"] == "picking":
        values = (view["segment"] or {}).get("rules", {}).get("values", [])
        picks = InlineKeyboardBuilder()
        for value in values:
            label = t("live.ui.value", lang, v=value)
            picks.button(text=label, callback_data=PickCb(f=final_id, v=value, n=version))
        builder.attach(picks)
    for row in ROWS:
        line = InlineKeyboardBuilder()
        for verb in row:
            label = _label(verb, view, lang)
            line.button(text=label, callback_data=HostCb(f=final_id, a=verb, n=version))
        builder.attach(line)
    return builder.as_markup()


def _label(verb: Verb, view: dict[str, Any], lang: str) -> str:
    if verb == "pause" and view["final"]["paused"]:
        return t("live.ui.resume", lang)
    if verb in ("right", "wrong"):
        return t(f"live.ui.{verb}", lang)
    return t(f"live.ui.{verb}" if verb != "view" else "live.bot.refresh", lang)


def host_text(view: dict[str, Any], lang: str) -> str:
    """The stage in a few lines: segment and question, phase, the answer, buzzes, scores."""
    lines = [f"<b>{escape(view['final']['name'])}</b> #{view['final']['id']}"]
    segment, question = view["segment"], view["question"]
    if view["final"]["paused"]:
        lines.append("⏸ " + t("live.ui.paused", lang))
    if segment is not None:
        head = segment["title"] or t(f"live.ui.kind_{segment['kind']}", lang)
        if question is not None:
            count = t("live.ui.question_of", lang, n=question["position"], total=question["count"])
            head += " · " + count
        lines.append(escape(head))
    if view["final"]["status"] == "finished":
        lines.append(t("live.ui.status_finished", lang))
    elif question is not None:
        lines += _question_lines(view, question, lang)
    else:
        lines.append(t("live.ui.waiting", lang))
    lines.append("")
    for team in sorted(view["teams"], key=lambda t: t["seat"]):
        change = f" ({team['change']:+d})" if team["change"] else ""
        lines.append(f"{team['seat']}. {escape(team['name'])}  <b>{team['score']}</b>{change}")
    return "\n".join(lines)


def _question_lines(view: dict[str, Any], question: dict[str, Any], lang: str) -> list[str]:
    names = {team["id"]: team["name"] for team in view["teams"]}
    team = names.get(question["team_id"] or 0, "")
    lines = [t(f"live.ui.phase_{question['phase']}", lang, team=escape(team))]
    if question["value"]:
        lines[-1] += " · " + t("live.ui.value", lang, v=question["value"])
    lines.append(escape(question["stem"]))
    for i, option in enumerate(question["options"]):
        lines.append(f"{LETTERS[i]}. {escape(option)}")
    if question["answer"] is not None:
        lines.append(t("live.ui.answer", lang) + "：" + escape(_answer(question, lang)))
    for buzz in view["buzzes"][:5]:
        mark = t("live.ui.false_start", lang) if buzz["false_start"] else f"{buzz['rank']}."
        gap = "" if buzz["false_start"] or buzz["rank"] == 1 else f" +{buzz['behind_ms']} ms"
        ruling = f" [{t('live.ui.' + buzz['ruling'], lang)}]" if buzz["ruling"] else ""
        lines.append(f"{mark} {escape(buzz['team'])}{gap}{ruling}")
    return lines


def _answer(question: dict[str, Any], lang: str) -> str:
    answer = question["answer"]
    if question["type"] == "true_false":
        return t("live.ui.true" if answer[0] else "live.ui.false", lang)
    if question["type"] == "blank":
        return "；".join(str(a[0]) for a in answer)
    return " ".join(LETTERS[i] for i in answer)


def buzz_keyboard(final_id: int, lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="🔔 " + t("live.ui.buzz", lang), callback_data=BuzzCb(f=final_id))
    return builder.as_markup()
