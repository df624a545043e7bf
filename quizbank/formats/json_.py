"""JSON banks: a list of question objects, or ``{"name": …, "questions": [...]}``.

Keys use the same aliases as spreadsheet headers; ``options`` may be an object
``{"A": "…"}`` or a list; ``answer`` and ``tags`` may be strings or lists. Everything
is turned into the same cell text a spreadsheet would give, so one set of rules
validates every format. A question's "row" is its 1-based position in the list.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

from quizbank.formats.csv_ import decode
from quizbank.formats.headers import (
    CANONICAL_HEADERS,
    OPTIONS_CELL,
    field_for,
    missing_fields,
)
from quizbank.formats.options import expand_options_cell
from quizbank.formats.rows import RawRow, RawTable, RowError, cell_text, is_blank
from quizbank.models import OPTION_LETTERS


def read_json(data: bytes, *, label: str) -> RawTable:
    table = RawTable()
    text, offset = decode(data)
    if text is None:
        table.errors.append(RowError(label, 0, "", "cannot_decode", {"offset": offset}))
        return table
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        table.errors.append(RowError(label, 0, "", "bad_json", {"line": exc.lineno}))
        return table
    if isinstance(document, dict) and isinstance(document.get("questions"), list):
        name = document.get("name")
        table.name = str(name).strip() if name else None
        document = document["questions"]
    if not isinstance(document, list) or not all(isinstance(q, dict) for q in document):
        table.errors.append(RowError(label, 0, "", "not_a_table", {}))
        return table
    seen: set[str] = set()
    for number, item in enumerate(document, start=1):
        values, columns = _question_values(item)
        seen.update(values)
        if is_blank(values):
            continue
        if OPTIONS_CELL in values:  # options as one string: "A.甲 B.乙"
            problem = expand_options_cell(values, columns)
            if problem is not None:
                table.errors.append(RowError(label, number, columns[OPTIONS_CELL], *problem))
        table.rows.append(RawRow(label, number, values, columns))
    missing = missing_fields(seen) if document else []
    if missing:
        table.rows = []  # as for a sheet: without the column no row can be valid
        for field in missing:
            column = CANONICAL_HEADERS[field]
            table.errors.append(RowError(label, 0, column, "missing_column", {"column": column}))
    return table


def _question_values(item: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    values: dict[str, str] = {}
    columns: dict[str, str] = {}
    for key, value in item.items():
        if field_for(key) == OPTIONS_CELL:
            _add_options(value, key, values, columns)
            continue
        field = field_for(key)
        if field is not None and field not in values:
            values[field] = _text(value, field)
            columns[field] = str(key)
    return values, columns


def _add_options(value: Any, key: str, values: dict[str, str], columns: dict[str, str]) -> None:
    if isinstance(value, dict):
        pairs = [
            (unicodedata.normalize("NFKC", str(k)).strip().upper(), v) for k, v in value.items()
        ]
    elif isinstance(value, list):
        pairs = list(zip(OPTION_LETTERS, value, strict=False))
        # More options than letters: keep the count visible to validation.
        pairs += [(f"#{i}", v) for i, v in enumerate(value[len(OPTION_LETTERS) :])]
    elif isinstance(value, str):
        values[OPTIONS_CELL], columns[OPTIONS_CELL] = value, key
        return
    else:
        return
    for letter, text in pairs:
        field = f"option_{letter}"
        values[field] = cell_text(text)
        columns[field] = f"{key}.{letter}"


def _text(value: Any, field: str) -> str:
    if isinstance(value, list):
        if field == "answer":
            # A list answer: one element per letter or per blank; a blank's
            # alternatives may themselves be a list.
            parts = [
                "|".join(map(cell_text, v)) if isinstance(v, list) else cell_text(v) for v in value
            ]
            return ";".join(parts)
        return ",".join(cell_text(v) for v in value)
    return cell_text(value)


def write_json(path: Path, name: str, questions: list[dict[str, Any]]) -> None:
    document = {"name": name, "questions": questions}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
