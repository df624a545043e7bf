"""The steps of drafting a competition (/new_competition) and what an answer to each means.

Each step reads a button's ``value`` (a preset) or what was ``typed``, and either records it
in the answers or says why not (a translation key the edge renders). Pure: the answers and
the choices offered come in, the changed answers go out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from contest.admin import drafts
from contest.schedules import PRESETS, parse_schedule, preset
from contest.when import parse_when

Step = Literal[
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
    """What the buttons offered: question sets, categories and team levels, in order."""

    sets: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    value: str  # a button's value, or "" when typed
    typed: str
    choices: Choices
    now: datetime


Rule = Callable[[Answers, Answer], "str | Answers"]


def next_step(step: Step) -> Step | None:
    index = ORDER.index(step) + 1
    return ORDER[index] if index < len(ORDER) else None


def answer(step: Step, answers: Answers, given: Answer) -> Answers | str:
    """The answers with ``step`` answered, or the translation key of why it was not."""
    return RULES[step](dict(answers), given)


def _start(answers: Answers, given: Answer) -> Answers | str:
    text = "now" if given.value == "now" else given.typed
    when = parse_when(text, zone=answers["timezone"], now=given.now)
    if when is None:
        return "admin.dialog.bad_time"
    return answers | {"starts_at": when.strftime(drafts.TIME_FORMAT)}


def _end(answers: Answers, given: Answer) -> Answers | str:
    zone = answers["timezone"]
    start = parse_when(answers["starts_at"], zone=zone, now=given.now)
    assert start is not None  # written by _start
    if given.value.isdigit():
        when: datetime | None = start + timedelta(days=int(given.value))
    else:
        when = parse_when(given.typed, zone=zone, now=given.now, base=start)
    if when is None or when <= start:
        return "admin.dialog.bad_end"
    return answers | {"ends_at": when.strftime(drafts.TIME_FORMAT)}


def _picked(value: str, prefix: str, names: list[str]) -> list[str]:
    """The name a button ``<prefix><index>`` stands for (none for any other button)."""
    if not value.startswith(prefix) or not value[len(prefix) :].isdigit():
        return []
    index = int(value[len(prefix) :])
    return names[index : index + 1]


def _source(answers: Answers, given: Answer) -> Answers | str:
    sets, categories = given.choices.sets, given.choices.categories
    if given.value:
        return answers | {
            "sets": _picked(given.value, "s", sets),
            "categories": _picked(given.value, "c", categories),
        }
    names = drafts.parse_names(given.typed)
    if names is None or any(n not in sets and n not in categories for n in names):
        return "admin.dialog.bad_source"
    return answers | {
        "sets": [n for n in names if n in sets],
        "categories": [n for n in names if n not in sets],
    }


def _composition(answers: Answers, given: Answer) -> Answers | str:
    if given.value.isdigit() and int(given.value) < len(COMPOSITIONS):
        items = COMPOSITIONS[int(given.value)]
    else:
        items = drafts.parse_composition(given.typed)
    return answers | {"composition": items} if items else "admin.dialog.bad_composition"


def _number(
    key: str, parse: Callable[[str], int | None], bounds: tuple[int, int], bad: str, scale: int = 1
) -> Rule:
    """A step answered with a number within ``bounds`` (0: no limit, where allowed)."""

    def rule(answers: Answers, given: Answer) -> Answers | str:
        number = int(given.value) if given.value.isdigit() else parse(given.typed)
        if number is None or not bounds[0] <= number <= bounds[1]:
            return bad
        return answers | {key: number * scale or None}

    return rule


def _team(answers: Answers, given: Answer) -> Answers | str:
    if given.value not in {m.value for m in drafts.TEAM_MODES}:
        return "admin.dialog.use_buttons"
    return answers | {"team_mode": given.value, "team_top_n": drafts.TOP_N_DEFAULT}


def _level(answers: Answers, given: Answer) -> Answers | str:
    levels = given.choices.levels
    if given.value == "leaf":
        return answers | {"team_level": None}
    chosen = _picked(given.value, "l", levels) or [n for n in levels if n == given.typed.strip()]
    return answers | {"team_level": chosen[0]} if chosen else "admin.dialog.use_buttons"


def _announce(answers: Answers, given: Answer) -> Answers | str:
    choice = preset(given.value) if given.value in PRESETS else parse_schedule(given.typed)
    if choice is None:
        return "admin.dialog.bad_announce"
    return answers | {"cron": choice.cron, "final_results": choice.final_results}


RULES: dict[Step, Rule] = {
    "start": _start,
    "end": _end,
    "source": _source,
    "composition": _composition,
    "qtime": _number(
        "question_time_limit_s", drafts.parse_seconds, (5, 3600), "admin.dialog.bad_seconds"
    ),
    "total": _number(
        "total_time_limit_s",
        drafts.parse_minutes,
        (0, 24 * 60),
        "admin.dialog.bad_minutes",
        scale=60,
    ),
    "attempts": _number(
        "attempts_allowed", drafts.parse_count, (1, 100), "admin.dialog.bad_attempts"
    ),
    "team": _team,
    "level": _level,
    "announce": _announce,
}
