"""Writing questions back in the import format, so export → import is the identity."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from quizbank.formats.csv_ import write_csv
from quizbank.formats.headers import CANONICAL_HEADERS, FIELDS, OPTION_FIELDS
from quizbank.formats.json_ import write_json
from quizbank.formats.rows import UnsupportedFormat
from quizbank.formats.values import (
    DIFFICULTY_LABELS,
    TYPE_LABELS,
    format_answer,
    format_points,
)
from quizbank.formats.xlsx import write_xlsx
from quizbank.models import OPTION_LETTERS, QuestionType

HEADERS = [CANONICAL_HEADERS[field] for field in FIELDS]
_SHEET_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


class QuestionLike(Protocol):
    """What export reads: a stored ``Question`` or a parsed ``QuestionDraft``."""

    type: Any
    stem: str
    options: list[str]
    answer: list[Any]
    explanation: str
    points: float
    difficulty: int
    category: str
    tags: list[str]
    source: str


def question_cells(question: QuestionLike) -> list[Any]:
    """One spreadsheet row, in ``HEADERS`` order."""
    kind = QuestionType(question.type)
    options = list(question.options) + [""] * (len(OPTION_FIELDS) - len(question.options))
    return [
        TYPE_LABELS[kind],
        question.stem,
        *options,
        format_answer(kind, question.answer),
        "",  # 可接受答案: the answer cell already lists every alternative ("戴明|戴明环")
        question.explanation,
        format_points(question.points),
        DIFFICULTY_LABELS.get(question.difficulty, question.difficulty),
        question.category,
        "、".join(question.tags),
        question.source,
    ]


def question_object(question: QuestionLike) -> dict[str, Any]:
    """One question in the JSON format (the demo bank's shape)."""
    kind = QuestionType(question.type)
    item: dict[str, Any] = {"type": TYPE_LABELS[kind], "stem": question.stem}
    if question.options:
        item["options"] = dict(zip(OPTION_LETTERS, question.options, strict=False))
    item |= {
        "answer": format_answer(kind, question.answer),
        "explanation": question.explanation,
        "points": format_points(question.points),
        "difficulty": DIFFICULTY_LABELS.get(question.difficulty, question.difficulty),
        "category": question.category,
        "tags": list(question.tags),
        "source": question.source,
    }
    return item


def sheet_title(name: str, used: Sequence[str]) -> str:
    """An Excel-legal, unique sheet title (≤ 31 characters, no []:*?/\\)."""
    base = (name.translate(_SHEET_FORBIDDEN).strip() or "题库")[:31]
    title, n = base, 2
    while title in used:
        suffix = f"_{n}"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    return title


def write_questions(path: Path, groups: Mapping[str, Iterable[QuestionLike]]) -> None:
    """Write ``{set name: questions}``; the file type follows ``path``'s extension.

    xlsx gets one sheet per set; CSV and JSON hold one table, named after the only set
    (or the file) when several are merged.
    """
    extension = path.suffix.lower()
    if extension == ".xlsx":
        sheets: dict[str, tuple[Sequence[str], Iterable[Sequence[Any]]]] = {}
        for name, questions in groups.items():
            title = sheet_title(name, list(sheets))
            sheets[title] = (HEADERS, (question_cells(q) for q in questions))
        if not sheets:
            sheets["题库"] = (HEADERS, [])
        write_xlsx(path, sheets)
        return
    merged = [q for questions in groups.values() for q in questions]
    if extension == ".csv":
        write_csv(path, HEADERS, (question_cells(q) for q in merged))
    elif extension == ".json":
        name = next(iter(groups)) if len(groups) == 1 else path.stem
        write_json(path, name, [question_object(q) for q in merged])
    else:
        raise UnsupportedFormat(extension)
