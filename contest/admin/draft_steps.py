"""The steps of drafting a competition (/new_competition) and what an answer to each means.

Each step reads a button's ``value`` (a preset) or what was ``typed``, and either records it
in the answers or says why not (a :class:`Refusal`: a translation key and its figures, which
the edge renders). Pure: the answers and the choices offered come in, the changed answers go
out. :func:`step_for` says which step sets a definition's field, so a refused definition can
send the organiser to the step to change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from contest.admin import drafts
from contest.errors import DefinitionIssue
from contest.schedules import PRESETS, parse_schedule, preset
from contest.when import parse_when

Step = Literal[
    "name",
    "start",
    "end",
    "source",
    "composition",
    "qtime",
    "total",
    "attempts",
    "team",
    "level",
    "announce",
]
ORDER: tuple[Step, ...] = get_args(Step)
COMPOSITIONS = (
    [{"type": "single", "count": 10}, {"type": "true_false", "count": 5}],
    [
        {"type": "single", "count": 10},
        {"type": "multiple", "count": 5},
        {"type": "true_false", "count": 5},
    ],
    [{"type": "single", "count": 20}],
)
END_DAYS = (7, 14, 30)
Answers = dict[str, Any]


@dataclass(frozen=True)
class Choices:
    """What the buttons offered: question sets, categories and team levels, in order, and
    the paper fitted to the bank (``f``)."""

    sets: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    fitted: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    value: str  # a button's value, or "" when typed
    typed: str
    choices: Choices
    now: datetime


@dataclass(frozen=True)
class Refusal:
    """Why an answer was not taken: ``key`` under i18n with its ``params``."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


Rule = Callable[[Answers, Answer], "Refusal | Answers"]
# Where a definition's field is set in the dialog (the longest matching prefix wins).
_STEP_OF: tuple[tuple[str, Step], ...] = (
    ("name", "name"),
    ("starts_at", "start"),
    ("ends_at", "end"),
    ("rules.source", "source"),
    ("rules.composition", "composition"),
    ("rules.question_time_limit_s", "qtime"),
    ("rules.total_time_limit_s", "total"),
    ("rules.attempts_allowed", "attempts"),
    ("rules.team.level", "level"),
    ("rules.team", "team"),
    ("rules.announce", "announce"),
)


def next_step(step: Step) -> Step | None:
    index = ORDER.index(step) + 1
    return ORDER[index] if index < len(ORDER) else None


def previous_step(step: Step) -> Step | None:
    index = ORDER.index(step)
    return ORDER[index - 1] if index > 0 else None


def step_for(loc: str) -> Step | None:
    """The step that sets the field at ``loc`` (``rules.composition.0`` → composition)."""
    for prefix, step in _STEP_OF:
        if loc == prefix or loc.startswith(prefix + "."):
            return step
    return None


def answer(step: Step, answers: Answers, given: Answer) -> Answers | Refusal:
    """The answers with ``step`` answered, or why it was not."""
    return RULES[step](dict(answers), given)


def paper_seconds(answers: Answers) -> int:
    """Every question's limit added up: the longest a paper can take without 整卷限时."""
    count = sum(int(item["count"]) for item in answers.get("composition") or [])
    return count * int(answers.get("question_time_limit_s") or 30)


def total_choices(answers: Answers) -> list[int]:
    """整卷限时 buttons (minutes) that can apply: shorter than the questions' limits added
    up, the three longest of them; 0 (不限) always."""
    cap = paper_seconds(answers)
    shorter = [m for m in drafts.TOTAL_MINUTES if m and m * 60 < cap]
    return [0, *shorter[-3:]]


def total_issue(answers: Answers) -> DefinitionIssue | None:
    """整卷限时 that no longer applies (the paper or its question limits changed after it)."""
    total, cap = answers.get("total_time_limit_s"), paper_seconds(answers)
    if not total or total < cap:
        return None
    count = sum(int(item["count"]) for item in answers.get("composition") or [])
    figures = {"minutes": total // 60, "count": count, "cap_s": cap}
    figures["qtime"] = int(answers.get("question_time_limit_s") or 30)
    message = f"{total} s is not shorter than {count} questions' limits added up ({cap} s)"
    return DefinitionIssue("rules.total_time_limit_s", "total_never_applies", message, figures)


def _name(answers: Answers, given: Answer) -> Answers | Refusal:
    name = given.typed.strip()
    if not name or len(name) > 200:
        return Refusal("admin.dialog.bad_name")
    return answers | {"name": name}


def _start(answers: Answers, given: Answer) -> Answers | Refusal:
    text = "now" if given.value == "now" else given.typed
    when = parse_when(text, zone=answers["timezone"], now=given.now)
    if when is None:
        return Refusal("admin.dialog.bad_time")
    return answers | {"starts_at": when.strftime(drafts.TIME_FORMAT)}


def _end(answers: Answers, given: Answer) -> Answers | Refusal:
    zone = answers["timezone"]
    start = parse_when(answers["starts_at"], zone=zone, now=given.now)
    assert start is not None  # written by _start
    if given.value.isdigit():
        when: datetime | None = start + timedelta(days=int(given.value))
    else:
        when = parse_when(given.typed, zone=zone, now=given.now, base=start)
    if when is None or when <= start:
        return Refusal("admin.dialog.bad_end")
    return answers | {"ends_at": when.strftime(drafts.TIME_FORMAT)}


def _picked(value: str, prefix: str, names: list[str]) -> list[str]:
    """The name a button ``<prefix><index>`` stands for (none for any other button)."""
    if not value.startswith(prefix) or not value[len(prefix) :].isdigit():
        return []
    index = int(value[len(prefix) :])
    return names[index : index + 1]


def _source(answers: Answers, given: Answer) -> Answers | Refusal:
    sets, categories = given.choices.sets, given.choices.categories
    if given.value:
        return answers | {
            "sets": _picked(given.value, "s", sets),
            "categories": _picked(given.value, "c", categories),
        }
    names = drafts.parse_names(given.typed)
    if names is None or any(n not in sets and n not in categories for n in names):
        return Refusal("admin.dialog.bad_source")
    return answers | {
        "sets": [n for n in names if n in sets],
        "categories": [n for n in names if n not in sets],
    }


def _composition(answers: Answers, given: Answer) -> Answers | Refusal:
    if given.value.isdigit() and int(given.value) < len(COMPOSITIONS):
        items = COMPOSITIONS[int(given.value)]
    elif given.value.startswith("f") and given.choices.fitted:
        items = given.choices.fitted
    else:
        items = drafts.parse_composition(given.typed)
    return answers | {"composition": items} if items else Refusal("admin.dialog.bad_composition")


def _number(
    key: str, parse: Callable[[str], int | None], bounds: tuple[int, int], bad: str, scale: int = 1
) -> Rule:
    """A step answered with a number within ``bounds`` (0: no limit, where allowed)."""

    def rule(answers: Answers, given: Answer) -> Answers | Refusal:
        number = int(given.value) if given.value.isdigit() else parse(given.typed)
        if number is None or not bounds[0] <= number <= bounds[1]:
            return Refusal(bad)
        return answers | {key: number * scale or None}

    return rule


def _total(answers: Answers, given: Answer) -> Answers | Refusal:
    """整卷限时, refused when it could never apply: workers are told the shorter of it and
    every question's limit added up (全卷最长), so a longer one would be a promise broken."""
    answered = _number(
        "total_time_limit_s", drafts.parse_minutes, (0, 24 * 60), "admin.dialog.bad_minutes", 60
    )(answers, given)
    if isinstance(answered, Refusal):
        return answered
    total, cap = answered.get("total_time_limit_s"), paper_seconds(answers)
    if total is not None and total >= cap:
        count = sum(int(item["count"]) for item in answers.get("composition") or [])
        qtime = int(answers.get("question_time_limit_s") or 30)
        figures = {"minutes": total // 60, "count": count, "qtime": qtime, "cap": cap}
        return Refusal("admin.dialog.total_never_applies", figures)
    return answered


def _team(answers: Answers, given: Answer) -> Answers | Refusal:
    if given.value not in {m.value for m in drafts.TEAM_MODES}:
        return Refusal("admin.dialog.use_buttons")
    return answers | {"team_mode": given.value, "team_top_n": drafts.TOP_N_DEFAULT}


def _level(answers: Answers, given: Answer) -> Answers | Refusal:
    levels = given.choices.levels
    if given.value == "leaf":
        return answers | {"team_level": None}
    chosen = _picked(given.value, "l", levels) or [n for n in levels if n == given.typed.strip()]
    return answers | {"team_level": chosen[0]} if chosen else Refusal("admin.dialog.use_buttons")


def _announce(answers: Answers, given: Answer) -> Answers | Refusal:
    choice = preset(given.value) if given.value in PRESETS else parse_schedule(given.typed)
    if choice is None:
        return Refusal("admin.dialog.bad_announce")
    return answers | {"cron": choice.cron, "final_results": choice.final_results}


RULES: dict[Step, Rule] = {
    "name": _name,
    "start": _start,
    "end": _end,
    "source": _source,
    "composition": _composition,
    "qtime": _number(
        "question_time_limit_s", drafts.parse_seconds, (5, 3600), "admin.dialog.bad_seconds"
    ),
    "total": _total,
    "attempts": _number(
        "attempts_allowed", drafts.parse_count, (1, 100), "admin.dialog.bad_attempts"
    ),
    "team": _team,
    "level": _level,
    "announce": _announce,
}
