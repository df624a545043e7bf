"""Options written as running text: "A.1960年 B.1978年", "（A）甲（B）乙", one per line.

Shared by the spreadsheet readers (all options in one cell) and the Word/text reader
(options on the stem's line, or several on one line). A marker only counts when its
letter is the next one expected, so "执行（D）" inside option B is not option D, and a
letter inside a word ("ISO 9001B") never starts an option.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from quizbank.formats.headers import OPTIONS_CELL
from quizbank.models import OPTION_LETTERS

# "A." "A．" "A、" "A:" "A)" or "(A)" "（A）"; never right after a Latin letter.
_MARKER = re.compile(
    r"(?<![A-Za-zＡ-Ｚａ-ｚ])"
    r"(?:(?P<plain>[A-HＡ-Ｈ])\s*[.．、:：)）]|[(（]\s*(?P<paren>[A-HＡ-Ｈ])\s*[)）])"
)
_ONE_PER_LINE = re.compile(r"\r?\n|[|｜]")


@dataclass(frozen=True, slots=True)
class Split:
    """Text before the first option marker, then (letter, option text) in order."""

    before: str
    options: list[tuple[str, str]]


def _letter(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", match.group("plain") or match.group("paren"))


def split_options(text: str, first: str = "A") -> Split:
    """Split at consecutive markers starting with ``first``; no marker → no options."""
    expected = OPTION_LETTERS.index(first)
    cuts: list[tuple[int, int, str]] = []
    for match in _MARKER.finditer(text):
        if expected < len(OPTION_LETTERS) and _letter(match) == OPTION_LETTERS[expected]:
            cuts.append((match.start(), match.end(), OPTION_LETTERS[expected]))
            expected += 1
    if not cuts:
        return Split(text.strip(), [])
    options = []
    for index, (_, end, letter) in enumerate(cuts):
        stop = cuts[index + 1][0] if index + 1 < len(cuts) else len(text)
        options.append((letter, text[end:stop].strip()))
    return Split(text[: cuts[0][0]].strip(), options)


def starts_with_option(text: str) -> str | None:
    """The letter when ``text`` opens with an option marker ("B．执行" → "B")."""
    match = _MARKER.match(text.lstrip())
    return _letter(match) if match else None


def options_cell(text: str) -> tuple[list[str], str]:
    """Every option in one spreadsheet cell, and any text before the first marker.

    Lettered options are split at their markers; otherwise each line (or "|"-separated
    part) is one option, in order.
    """
    split = split_options(text)
    if split.options:
        return [option for _, option in split.options], split.before
    return [part.strip() for part in _ONE_PER_LINE.split(text) if part.strip()], ""


def expand_options_cell(
    values: dict[str, str], columns: dict[str, str]
) -> tuple[str, dict[str, str]] | None:
    """Turn ``values["options"]`` into option_A…; the error (code, params) when it cannot.

    ``columns`` names the one-cell column for every option, so a problem with option C
    is reported at the column the organiser wrote.
    """
    text = values.pop(OPTIONS_CELL, "")
    header = columns.get(OPTIONS_CELL, "选项")
    for letter in OPTION_LETTERS:
        columns.setdefault(f"option_{letter}", header)
    if not text.strip():
        return None
    if any(values.get(f"option_{letter}", "").strip() for letter in OPTION_LETTERS):
        return "options_in_two_places", {}
    options, before = options_cell(text)
    # Read the options anyway, so the stray text is the one problem reported.
    for index, option in enumerate(options):
        # Past H the field has no letter: validation counts it as one too many.
        name = (
            f"option_{OPTION_LETTERS[index]}" if index < len(OPTION_LETTERS) else f"option_#{index}"
        )
        values[name] = option
    return ("text_before_options", {"text": before}) if before else None
