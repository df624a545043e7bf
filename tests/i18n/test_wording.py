"""The worker-facing catalogues read like a person wrote them: no "attempt(s)", and every
number followed by a countable unit either agrees with it or comes from a plural entry."""

from __future__ import annotations

import re
import tomllib

import pytest

from i18n import LOCALES_DIR, catalogue, plurals

# What workers read: quiz.toml (quiz, registration, menu, results, groups, fallback), their
# profile (/me), the shared words, the command menu, the contest core's refusals and the
# bank-setup replies (the roster's row errors and the CLI lines in contest.toml are for
# organisers).
WORKER_FILES = ("quiz", "profile", "common", "commands", "contest", "setup")
ORGANISER_PARTS = ("contest.roster.", "contest.cli.")
UNITS = {
    "attempt": "attempts",
    "question": "questions",
    "day": "days",
    "hour": "hours",
    "minute": "minutes",
    "second": "seconds",
    "point": "points",
    "pt": "pts",
    "blank": "blanks",
    "team": "teams",
    "participant": "participants",
    "worker": "workers",
    "problem": "problems",
    "character": "characters",
    "member": "members",
    "round": "rounds",
    "answer": "answers",
    "time": "times",
}
WORDS = "|".join(sorted({*UNITS, *UNITS.values()}, key=len, reverse=True))
AFTER_PLACEHOLDER = re.compile(r"(?P<range>[–-]\s*)?\{(?P<name>\w+)\}\s+(?P<unit>" + WORDS + r")\b")
AFTER_NUMBER = re.compile(r"(?<![\d.,:/])(?P<number>\d+)\s+(?P<unit>" + WORDS + r")\b")


def _keys(lang: str) -> list[str]:
    keys = []
    for name in WORKER_FILES:
        with (LOCALES_DIR / lang / f"{name}.toml").open("rb") as fh:
            data = tomllib.load(fh)
        keys += [k for k in catalogue(lang) if k.split(".")[0] in data]
    return sorted({k for k in keys if not k.startswith(ORGANISER_PARTS)})


def _texts(lang: str, key: str) -> list[str]:
    return list(plurals(lang).get(key, {"other": catalogue(lang)[key]}).values())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_entry_hedges_with_parenthesised_plurals(lang: str) -> None:
    hedged = [k for k in _keys(lang) for text in _texts(lang, k) if "(s)" in text]
    assert hedged == []


def test_a_counted_unit_after_a_placeholder_comes_from_a_plural_entry() -> None:
    bare = []
    for key in _keys("en"):
        if key in plurals("en"):
            continue
        for found in AFTER_PLACEHOLDER.finditer(catalogue("en")[key]):
            if not found["range"]:  # "{min}–{max} characters" is plural whatever the numbers
                bare.append(f"{key}: {found[0]}")
    assert bare == []


def test_a_written_number_agrees_with_its_unit() -> None:
    wrong = []
    for key in _keys("en"):
        for text in _texts("en", key):
            for found in AFTER_NUMBER.finditer(text):
                singular = found["unit"] in UNITS
                if singular != (found["number"] == "1"):
                    wrong.append(f"{key}: {found[0]}")
    assert wrong == []


def test_the_checks_catch_what_they_are_for() -> None:
    assert AFTER_PLACEHOLDER.search("{n} attempt(s) left")
    assert AFTER_PLACEHOLDER.search("{gap} pt behind")
    assert AFTER_PLACEHOLDER.search("{min}–{max} characters")["range"] is not None
    assert AFTER_NUMBER.search("2 point")["unit"] == "point"
