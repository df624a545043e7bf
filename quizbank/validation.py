"""Checking raw rows against the question rules and turning them into drafts.

Every problem in a file is reported at once, as ``RowError`` data; rows with a
problem produce no draft. Limits come from what Telegram can show:

* a stem is at most ``STEM_LIMIT`` characters, so stem plus eight options stays well
  inside one 4096-character message;
* an option is at most ``OPTION_LIMIT`` characters: options are answered with inline
  buttons, and phones cut a longer button label with "…", so the worker could not read
  the option they are choosing.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizbank.formats import RawRow, RowError, read_table
from quizbank.formats.headers import CANONICAL_HEADERS, OPTION_FIELDS
from quizbank.formats.rows import ROW
from quizbank.formats.values import (
    BadValue,
    count_stem_blanks,
    nfkc,
    parse_alternatives,
    parse_blank_answer,
    parse_choice_letters,
    parse_difficulty,
    parse_points,
    parse_true_false,
    parse_type,
    split_tags,
    with_alternatives,
)
from quizbank.models import CHOICE_TYPES, OPTION_LETTERS, QuestionType

STEM_LIMIT = 1000
OPTION_LIMIT = 60
EXPLANATION_LIMIT = 2000  # shown after answering, in the same message as the verdict
CATEGORY_LIMIT = 100  # column sizes in quizbank.models
SOURCE_LIMIT = 255


@dataclass(slots=True)
class QuestionDraft:
    """A question parsed from a file, ready to store (``answer`` is canonical)."""

    type: QuestionType
    stem: str
    options: list[str]
    answer: list[Any]
    explanation: str
    points: float
    difficulty: int
    category: str
    tags: list[str]
    source: str
    key: str
    content_hash: str
    sheet: str
    row: int
    unit: str = ROW  # what ``row`` counts: a spreadsheet row, a text line, a Word paragraph


@dataclass(slots=True)
class ValidationReport:
    """The outcome of reading one file: drafts of the good rows and every problem."""

    drafts: list[QuestionDraft]
    errors: list[RowError]
    notices: list[RowError] = field(default_factory=list)
    filename: str = ""
    checksum: str = ""
    name: str | None = None
    invalid_keys: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def by_type(self) -> dict[str, int]:
        return dict(Counter(str(d.type) for d in self.drafts))

    @property
    def by_category(self) -> dict[str, int]:
        return dict(Counter(d.category for d in self.drafts))

    @property
    def by_difficulty(self) -> dict[int, int]:
        return dict(Counter(d.difficulty for d in self.drafts))


def parse_file(source: Path | bytes, *, filename: str | None = None) -> ValidationReport:
    """Read and validate a bank file (blocking: run it in a thread from async code)."""
    if filename is None:
        if isinstance(source, bytes):
            raise ValueError("filename is required for uploaded bytes")
        filename = Path(source).name
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    table = read_table(data, filename=filename)
    drafts, errors, invalid_keys = parse_rows(table.rows, table.errors)
    label = Path(filename).name
    if not drafts and not errors:
        errors.append(RowError(label, 0, "", "no_questions", {}))
    return ValidationReport(
        drafts=drafts,
        errors=errors,
        notices=table.notices,
        filename=label,
        checksum=hashlib.sha256(data).hexdigest(),
        name=table.name,
        invalid_keys=invalid_keys,
    )


def parse_rows(
    rows: list[RawRow], reader_errors: list[RowError] | None = None
) -> tuple[list[QuestionDraft], list[RowError], set[str]]:
    """Drafts of the valid rows, all errors (sorted by place) and keys of invalid rows."""
    errors = list(reader_errors or [])
    bad_places = {(e.sheet, e.row) for e in errors}
    # A cell the reader refused (a formula) is not checked again as a value.
    bad_cells = {(e.sheet, e.row, e.column) for e in errors}
    first_seen: dict[str, RawRow] = {}
    drafts: list[QuestionDraft] = []
    invalid_keys: set[str] = set()
    for row in rows:
        row_errors: list[RowError] = []
        draft = _parse_row(row, row_errors)
        key = draft.key if draft else _key_of(row)
        if key is not None:
            first = first_seen.setdefault(key, row)
            if first is not row:
                row_errors.append(_duplicate(row, first))
        errors.extend(e for e in row_errors if (e.sheet, e.row, e.column) not in bad_cells)
        if draft is not None and not row_errors and not _has_reader_error(row, bad_places):
            drafts.append(draft)
        elif key is not None and first_seen[key] is row:
            invalid_keys.add(key)
    errors.sort(key=lambda e: (e.row > 0, e.sheet, e.row))
    return drafts, errors, invalid_keys


def _has_reader_error(row: RawRow, bad_places: set[tuple[str, int]]) -> bool:
    # A text question spans lines: its reader marks it rather than matching by place.
    return row.rejected or (row.sheet, row.row) in bad_places


def _error(row: RawRow, field: str, code: str, **params: Any) -> RowError:
    column = row.columns.get(field) or CANONICAL_HEADERS.get(field, field)
    return RowError(row.sheet, row.lines.get(field, row.row), column, code, params, row.unit)


def _duplicate(row: RawRow, first: RawRow) -> RowError:
    # A text bank has one "sheet" (the file): only the line or paragraph is worth saying.
    if row.unit == ROW:
        return _error(
            row, "stem", "duplicate_question", first_sheet=first.sheet, first_row=first.row
        )
    return _error(row, "stem", f"duplicate_question_{row.unit}", first_row=first.row)


def _key_of(row: RawRow) -> str | None:
    try:
        kind = parse_type(row.values.get("type", ""))
    except BadValue:
        return None
    stem = row.values.get("stem", "").strip()
    return question_key(kind, stem) if stem else None


def question_key(kind: QuestionType, stem: str) -> str:
    """The stable key: type and stem, ignoring width, case and spacing differences."""
    normalized = " ".join(nfkc(stem).casefold().split())
    return hashlib.sha256(f"{kind}\x1f{normalized}".encode()).hexdigest()


def content_hash(draft_fields: dict[str, Any]) -> str:
    """A hash of everything shown or graded, to tell an updated question from the same."""
    encoded = json.dumps(draft_fields, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _parse_row(row: RawRow, errors: list[RowError]) -> QuestionDraft | None:
    values = row.values
    kind = _field(row, "type", errors, lambda: parse_type(values.get("type", "")))
    stem = values.get("stem", "").strip()
    if not stem:
        errors.append(_error(row, "stem", "empty_stem"))
    elif len(stem) > STEM_LIMIT:
        errors.append(_error(row, "stem", "stem_too_long", length=len(stem), limit=STEM_LIMIT))
    options = _options(row, errors)
    answer = _answer(row, kind, stem, options, errors) if kind is not None else None
    points = _field(
        row,
        "points",
        errors,
        lambda: parse_points(values.get("points", ""), kind or QuestionType.SINGLE),
    )
    difficulty = _field(
        row, "difficulty", errors, lambda: parse_difficulty(values.get("difficulty", ""))
    )
    text = {name: values.get(name, "").strip() for name in ("explanation", "category", "source")}
    for name, limit in (
        ("explanation", EXPLANATION_LIMIT),
        ("category", CATEGORY_LIMIT),
        ("source", SOURCE_LIMIT),
    ):
        if len(text[name]) > limit:
            errors.append(_error(row, name, "field_too_long", length=len(text[name]), limit=limit))
    if errors or kind is None or answer is None or points is None or difficulty is None:
        return None
    fields = {
        "type": str(kind),
        "stem": stem,
        "options": options,
        "answer": answer,
        "points": points,
        "difficulty": difficulty,
        "tags": split_tags(values.get("tags", "")),
        **text,
    }
    return QuestionDraft(
        **fields | {"type": kind},
        key=question_key(kind, stem),
        content_hash=content_hash(fields),
        sheet=row.sheet,
        row=row.row,
        unit=row.unit,
    )


def _field(row: RawRow, name: str, errors: list[RowError], parse: Any) -> Any:
    try:
        return parse()
    except BadValue as exc:
        errors.append(_error(row, name, exc.code, **exc.params))
        return None


def _options(row: RawRow, errors: list[RowError]) -> list[str]:
    """The filled options in order; a gap before a later option is an error."""
    cells = [row.values.get(name, "").strip() for name in OPTION_FIELDS]
    extra = [
        k
        for k, v in row.values.items()
        if k.startswith("option_") and k not in OPTION_FIELDS and v.strip()
    ]
    filled = [i for i, text in enumerate(cells) if text]
    if extra:
        errors.append(
            _error(
                row,
                "option_A",
                "too_many_options",
                count=len(filled) + len(extra),
                limit=len(OPTION_FIELDS),
            )
        )
    if filled and filled[-1] + 1 != len(filled):
        gap = next(i for i in range(filled[-1]) if not cells[i])
        errors.append(_error(row, OPTION_FIELDS[gap], "option_gap", letter=OPTION_LETTERS[gap]))
    options = [text for text in cells if text]
    for index, text in enumerate(cells):
        if len(text) > OPTION_LIMIT:
            errors.append(
                _error(
                    row,
                    OPTION_FIELDS[index],
                    "option_too_long",
                    letter=OPTION_LETTERS[index],
                    length=len(text),
                    limit=OPTION_LIMIT,
                )
            )
    seen: dict[str, int] = {}
    for index in filled:
        normal = " ".join(nfkc(cells[index]).casefold().split())
        if normal in seen:
            errors.append(
                _error(
                    row,
                    OPTION_FIELDS[index],
                    "duplicate_options",
                    first=OPTION_LETTERS[seen[normal]],
                    second=OPTION_LETTERS[index],
                )
            )
        else:
            seen[normal] = index
    return options


def _answer(
    row: RawRow, kind: QuestionType, stem: str, options: list[str], errors: list[RowError]
) -> list[Any] | None:
    text = row.values.get("answer", "")
    if kind is not QuestionType.BLANK and row.values.get("alternatives", "").strip():
        errors.append(_error(row, "alternatives", "alternatives_not_blank"))
    if kind in CHOICE_TYPES:
        if len(options) < 2:
            errors.append(_error(row, "option_A", "too_few_options", count=len(options)))
        answer = _field(row, "answer", errors, lambda: parse_choice_letters(text, len(options)))
        if answer is not None and kind == QuestionType.SINGLE and len(answer) > 1:
            errors.append(_error(row, "answer", "single_with_several_answers", answer=text))
            return None
        return answer
    if options:
        code = "options_on_true_false" if kind == QuestionType.TRUE_FALSE else "options_on_blank"
        errors.append(_error(row, "option_A", code))
    if kind == QuestionType.TRUE_FALSE:
        value = _field(row, "answer", errors, lambda: parse_true_false(text))
        return None if value is None else [value]
    blanks = _field(row, "answer", errors, lambda: parse_blank_answer(text))
    in_stem = count_stem_blanks(stem)
    # A stem without markers is a question answered in one blank ("哪一年？").
    if blanks is not None and in_stem != len(blanks) and not (in_stem == 0 and len(blanks) == 1):
        errors.append(
            _error(row, "answer", "blank_count_mismatch", in_stem=in_stem, in_answer=len(blanks))
        )
        return None
    more = row.values.get("alternatives", "")
    if blanks is None or not more.strip():
        return blanks
    extra = _field(row, "alternatives", errors, lambda: parse_alternatives(more, len(blanks)))
    return None if extra is None else with_alternatives(blanks, extra)
