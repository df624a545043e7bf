"""Writing result workbooks: sheets as plain rows, formula-safe cells, CJK-aware widths."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from quizbank.formats.csv_ import FORMULA_STARTS

TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
PERCENT_FORMAT = "0.0%"
MAX_WIDTH = 60


def neutralize_cell(value: Any) -> Any:
    """A text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) gets
    a leading ``'``; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def display_width(value: Any) -> int:
    """Columns a value takes on screen: CJK (wide and full-width) characters count as two."""
    if isinstance(value, datetime):
        return 19
    text = value if isinstance(value, str) else str(value if value is not None else "")
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    formats: dict[int, str] = field(default_factory=dict)  # column index → number format


# --- writing -------------------------------------------------------------------------------


def write_workbook(path: Path, sheets: list[Sheet]) -> None:
    """Write ``sheets`` (blocking; call through ``asyncio.to_thread``)."""
    workbook = Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title)
        for index, width in enumerate(_widths(spec), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        sheet.append([neutralize_cell(h) for h in spec.headers])
        for row in spec.rows:
            sheet.append([_cell(sheet, spec, i, value) for i, value in enumerate(row)])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def _cell(sheet: Any, spec: Sheet, index: int, value: Any) -> Any:
    fmt = spec.formats.get(index)
    if fmt is None or value is None or isinstance(value, str):
        return neutralize_cell(value)
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = fmt
    return cell


def _widths(spec: Sheet) -> list[float]:
    widths: list[float] = []
    for index, header in enumerate(spec.headers):
        longest = max([display_width(header), *(display_width(r[index]) for r in spec.rows[:5000])])
        widths.append(min(max(longest + 2, 6), MAX_WIDTH))
    return widths
