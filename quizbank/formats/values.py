"""Cell encodings of question fields: parsing what organisers write, and writing it back.

Every parser takes the cell text and returns the value, or raises ``BadValue`` with an
error code and its parameters; ``validation`` turns that into a ``RowError``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from quizbank.models import OPTION_LETTERS, QuestionType


class BadValue(ValueError):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _table(pairs: dict[Any, tuple[str, ...]]) -> dict[str, Any]:
    return {nfkc(word).casefold(): value for value, words in pairs.items() for word in words}


_TYPES = _table(
    {
        QuestionType.SINGLE: (
            "单选",
            "单选题",
            "单项选择题",
            "单项选择",
            "single",
            "single_choice",
        ),
        QuestionType.MULTIPLE: (
            "多选",
            "多选题",
            "多项选择题",
            "多项选择",
            "不定项选择题",
            "不定项选择",
            "不定项",
            "multiple",
            "multiple_choice",
        ),
        QuestionType.TRUE_FALSE: ("判断", "判断题", "是非题", "true_false", "truefalse", "tf"),
        QuestionType.BLANK: ("填空", "填空题", "blank", "fill_blank"),
    }
)
_TRUE_FALSE = _table(
    {
        True: ("对", "正确", "√", "✓", "✔", "t", "true", "y", "yes", "是"),
        False: ("错", "错误", "×", "✗", "✘", "x", "f", "false", "n", "no", "否"),
    }
)
_DIFFICULTY = _table(
    {
        1: ("易", "容易", "简单", "较易", "1", "easy"),
        2: ("中", "中等", "一般", "适中", "2", "medium"),
        3: ("难", "困难", "较难", "3", "hard"),
    }
)
TYPE_LABELS = {
    QuestionType.SINGLE: "单选题",
    QuestionType.MULTIPLE: "多选题",
    QuestionType.TRUE_FALSE: "判断题",
    QuestionType.BLANK: "填空题",
}
DIFFICULTY_LABELS = {1: "易", 2: "中", 3: "难"}
DEFAULT_POINTS = {
    QuestionType.SINGLE: 1.0,
    QuestionType.MULTIPLE: 2.0,
    QuestionType.TRUE_FALSE: 1.0,
    QuestionType.BLANK: 2.0,
}
DEFAULT_DIFFICULTY = 2

_CHOICE_SEPARATORS = re.compile(r"[\s,，、;；/]+")
_BLANK_SEPARATORS = re.compile(r"[;；]")
_ALTERNATIVE_SEPARATORS = re.compile(r"[|｜]")
_TAG_SEPARATORS = re.compile(r"[\s,，、;；]+")
STEM_BLANK = re.compile(r"_{2,}|（\s*）|\(\s*\)")
"""A blank in a stem: two or more underscores, or empty brackets."""


def parse_type(text: str) -> QuestionType:
    found = _TYPES.get(nfkc(text).casefold())
    if found is None:
        raise BadValue("unknown_type", value=text)
    return found


def parse_choice_letters(text: str, n_options: int) -> list[int]:
    """ "A,C" / "ac" / "ＡＣ" / "A、C" → sorted option indices."""
    compact = _CHOICE_SEPARATORS.sub("", nfkc(text)).upper()
    if not compact:
        raise BadValue("empty_answer")
    valid = OPTION_LETTERS[:n_options]
    if any(letter not in valid for letter in compact):
        raise BadValue("answer_not_in_options", answer=text, letters=valid or "-")
    return sorted({OPTION_LETTERS.index(letter) for letter in compact})


def parse_true_false(text: str) -> bool:
    if not nfkc(text):
        raise BadValue("empty_answer")
    found = _TRUE_FALSE.get(nfkc(text).casefold())
    if found is None:
        raise BadValue("bad_true_false_answer", value=text)
    return bool(found)


def parse_blank_answer(text: str) -> list[list[str]]:
    """ "1978|1978年;11" → one list of accepted alternatives per blank."""
    blanks = []
    for part in _BLANK_SEPARATORS.split(text):
        alternatives = [a.strip() for a in _ALTERNATIVE_SEPARATORS.split(part) if a.strip()]
        blanks.append(alternatives)
    if not any(blanks):
        raise BadValue("empty_answer")
    # A trailing separator ("1978;") is a typo, not an extra blank.
    while blanks and not blanks[-1]:
        blanks.pop()
    if not all(blanks):
        raise BadValue("empty_answer")
    return blanks


_ANY_SEPARATOR = re.compile(r"[|｜;；]")


def parse_alternatives(text: str, blanks: int) -> list[list[str]]:
    """The 可接受答案 cell of a 填空题: more spellings that score, per blank.

    One blank: "戴明环|戴明循环" or "戴明环；戴明循环" — every separator lists one more.
    Several blanks: "；" goes from one blank to the next, as in the answer cell, and "|"
    lists a blank's spellings ("；ISO 9001" adds only to the second blank).
    """
    if blanks <= 1:
        return [[a.strip() for a in _ANY_SEPARATOR.split(text) if a.strip()]]
    groups = _BLANK_SEPARATORS.split(text)
    while groups and not groups[-1].strip():
        groups.pop()
    if len(groups) > blanks:
        raise BadValue("alternatives_too_many_blanks", blanks=blanks, given=len(groups))
    parsed = [[a.strip() for a in _ALTERNATIVE_SEPARATORS.split(g) if a.strip()] for g in groups]
    return parsed + [[] for _ in range(blanks - len(parsed))]


def with_alternatives(answer: list[list[str]], extra: list[list[str]]) -> list[list[str]]:
    """Each blank's accepted spellings, the answer's first, without repeats."""
    merged = []
    for accepted, more in zip(answer, extra, strict=True):
        merged.append(accepted + [a for a in more if a not in accepted])
    return merged


def count_stem_blanks(stem: str) -> int:
    return len(STEM_BLANK.findall(stem))


def parse_points(text: str, question_type: QuestionType) -> float:
    cleaned = nfkc(text).removesuffix("分").strip()
    if not cleaned:
        return DEFAULT_POINTS[question_type]
    try:
        points = float(cleaned)
    except ValueError:
        raise BadValue("bad_points", value=text) from None
    if points != points or points in (float("inf"), float("-inf")):
        raise BadValue("bad_points", value=text)
    if points <= 0:
        raise BadValue("non_positive_points", value=text)
    return points


def parse_difficulty(text: str) -> int:
    cleaned = nfkc(text).casefold()
    if not cleaned:
        return DEFAULT_DIFFICULTY
    found = _DIFFICULTY.get(cleaned.removesuffix(".0"))
    if found is None:
        raise BadValue("bad_difficulty", value=text)
    return int(found)


def split_tags(text: str) -> list[str]:
    tags: list[str] = []
    for tag in _TAG_SEPARATORS.split(text.strip()):
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def format_answer(question_type: QuestionType | str, answer: list[Any]) -> str:
    """The canonical answer as an organiser writes it (the inverse of the parsers)."""
    if question_type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return "".join(OPTION_LETTERS[i] for i in answer)
    if question_type == QuestionType.TRUE_FALSE:
        return "对" if answer and answer[0] else "错"
    return ";".join("|".join(alternatives) for alternatives in answer)


def format_points(points: float) -> int | float:
    return int(points) if float(points).is_integer() else points
