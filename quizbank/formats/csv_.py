"""CSV reading with encoding detection, and writing that Excel opens correctly.

Excel on Chinese Windows saves CSV as GBK (GB18030 is its superset); newer Excel and
most tools write UTF-8, often with a BOM. We detect rather than ask: strict UTF-8
(BOM optional) first, since GBK text is almost never valid UTF-8, then strict GB18030.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from quizbank.formats.grid import SheetRows
from quizbank.formats.rows import RawTable, RowError

# Spreadsheet apps run a cell starting with these as a formula; exports prefix "'".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def decode(data: bytes) -> tuple[str | None, int]:
    """The text and -1, or None and the byte offset where UTF-8 decoding failed."""
    try:
        return data.decode("utf-8-sig"), -1
    except UnicodeDecodeError as exc:
        offset = exc.start
    try:
        return data.decode("gb18030"), -1
    except UnicodeDecodeError:
        return None, offset


def read_csv(data: bytes, *, label: str) -> RawTable:
    """One table named ``label`` (the file name); row numbers are CSV records."""
    table = RawTable()
    text, offset = decode(data)
    if text is None:
        table.errors.append(RowError(label, 0, "", "cannot_decode", {"offset": offset}))
        return table
    reader = SheetRows(label, table)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    for number, cells in enumerate(records, start=1):
        reader.feed(number, [_unescape(cell) for cell in cells])
        if not reader.usable:
            break
    if not reader.has_header:
        table.errors.append(RowError(label, 0, "", "not_a_table", {}))
    return table


def _delimiter(text: str) -> str:
    # Tab-separated files ("文本文件(制表符分隔)") are the other thing Excel saves.
    first = next((line for line in text.splitlines() if line.strip()), "")
    return "\t" if first.count("\t") > first.count(",") else ","


def _unescape(cell: str) -> str:
    """Undo our own export escaping: a "'" before a formula-like start."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_STARTS:
        return cell[1:]
    return cell


def _escape(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """UTF-8 with a BOM, so Excel on Chinese Windows shows the Chinese correctly."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_escape(value) for value in row])
