"""Excel ``.xlsx`` reading (streamed, read once) and writing."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from quizbank.formats.archive import MAX_ROWS, check_archive, too_many_rows
from quizbank.formats.grid import SheetRows
from quizbank.formats.rows import RawTable, RowError

EXPORT_WIDTH_BY_HEADER = {"题干": 60, "解析": 40, "答案": 14}


def read_xlsx(source: Path | bytes, *, label: str) -> RawTable:
    """Every sheet with a recognisable header row, streamed row by row.

    ``read_only`` keeps memory flat on big banks; ``data_only=False`` lets us see that
    a cell holds a formula (its cached result may be stale or missing, so we refuse it).
    """
    table = RawTable()
    problem = check_archive(source, sheets=True)
    if problem is not None and problem.code != "not_a_zip":
        table.errors.append(RowError(label, 0, "", problem.code, problem.params))
        return table
    handle: Any = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        workbook = load_workbook(handle, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        table.errors.append(RowError(label, 0, "", "cannot_open", {}))
        return table
    try:
        found = False
        for sheet in workbook.worksheets:
            found |= _read_sheet(sheet, table)
    finally:
        workbook.close()
    if not found:
        table.errors.append(RowError(label, 0, "", "not_a_table", {}))
    return table


def _read_sheet(sheet: Any, table: RawTable) -> bool:
    # Some generators (WPS, web exports) write a wrong <dimension>; ignore it.
    sheet.reset_dimensions()
    reader = SheetRows(sheet.title, table)
    fallback_row = 0
    for count, cells in enumerate(sheet.iter_rows(), start=1):
        if count > MAX_ROWS:  # the declared dimension was missing or wrong
            limits = too_many_rows(f"{MAX_ROWS}+")
            table.errors.append(RowError(sheet.title, 0, "", "too_many_rows", limits))
            break
        fallback_row += 1
        row = next((c.row for c in cells if getattr(c, "row", None)), fallback_row)
        fallback_row = row
        values = [cell.value for cell in cells]
        formulas = [i for i, cell in enumerate(cells) if cell.data_type == "f"]
        reader.feed(row, values, formulas)
        if not reader.usable:
            break
    return reader.has_header


def write_xlsx(
    path: Path, sheets: dict[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]
) -> None:
    """Write ``{sheet title: (headers, rows)}``; every text cell is literal text.

    Text is forced to the string type so a stem such as "=SUM(…)" never becomes a
    formula in the organiser's Excel (formula injection) and reads back unchanged.
    """
    workbook = Workbook(write_only=True)
    for title, (headers, rows) in sheets.items():
        sheet = workbook.create_sheet(title)
        for index, header in enumerate(headers):
            letter = get_column_letter(index + 1)
            sheet.column_dimensions[letter].width = EXPORT_WIDTH_BY_HEADER.get(header, 12)
        sheet.freeze_panes = "A2"
        sheet.append(list(headers))
        for row in rows:
            sheet.append([_literal(sheet, value) for value in row])
    workbook.save(path)


def _literal(sheet: Any, value: Any) -> Any:
    """``value`` as a cell of the write-only ``sheet`` (openpyxl exports no public type for
    it), a string always stored as text, never read as a formula."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell
