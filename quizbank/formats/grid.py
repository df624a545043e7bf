"""Turning a grid of cells (a worksheet, a CSV file) into raw rows.

Shared by the xlsx and CSV readers: find the header row among the first rows (title
rows above it are skipped), then map every later non-blank row onto fields.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from quizbank.formats.headers import (
    CANONICAL_HEADERS,
    HEADER_SEARCH_ROWS,
    OPTIONS_CELL,
    field_for,
    field_label,
    ignored_columns,
    looks_like_header,
    map_header,
    missing_fields,
    suggest_field,
)
from quizbank.formats.options import expand_options_cell
from quizbank.formats.rows import RawRow, RawTable, RowError, RowNotice, cell_text, is_blank


class SheetRows:
    """Feeds one sheet's rows, in order, into a ``RawTable``."""

    def __init__(self, sheet: str, table: RawTable) -> None:
        self.sheet = sheet
        self.table = table
        self.mapping: dict[int, str] | None = None
        self.columns: dict[str, str] = {}
        self.usable = True

    @property
    def has_header(self) -> bool:
        return self.mapping is not None

    def feed(self, row: int, cells: Sequence[object], formulas: Collection[int] = ()) -> None:
        """One row; ``formulas`` are the indices of cells holding a formula."""
        if not self.usable:
            return
        if self.mapping is None:
            self._look_for_header(row, cells)
            return
        values = {
            field: cell_text(cells[index])
            for index, field in self.mapping.items()
            if index < len(cells)
        }
        if is_blank(values):
            return
        if OPTIONS_CELL in self.mapping.values():
            self._expand_options(row, values)
        for index in formulas:
            field = self.mapping.get(index)
            if field is not None:
                self.table.errors.append(
                    RowError(
                        self.sheet,
                        row,
                        self.columns[field],
                        "formula_cell",
                        {"formula": cell_text(cells[index])},
                    )
                )
        self.table.rows.append(RawRow(self.sheet, row, values, self.columns))

    def _expand_options(self, row: int, values: dict[str, str]) -> None:
        problem = expand_options_cell(values, self.columns)
        if problem is not None:
            code, params = problem
            column = self.columns[OPTIONS_CELL]
            self.table.errors.append(RowError(self.sheet, row, column, code, params))

    def _look_for_header(self, row: int, cells: Sequence[object]) -> None:
        if row > HEADER_SEARCH_ROWS:
            self.usable = False
            return
        mapping = map_header(cells)
        if not looks_like_header(mapping):
            return
        self.mapping = mapping
        self.columns = {field: cell_text(cells[index]) for index, field in mapping.items()}
        self._report_ignored(row, cells, mapping)
        for field in missing_fields(set(mapping.values())):
            column = CANONICAL_HEADERS[field]
            self.table.errors.append(
                RowError(self.sheet, 0, column, "missing_column", {"column": column})
            )
            self.usable = False

    def _report_ignored(self, row: int, cells: Sequence[object], mapping: dict[int, str]) -> None:
        """Say which columns are not read, and what a near-miss was probably meant to be."""
        read = {field_label(field) for field in mapping.values()}
        for _, header in ignored_columns(cells, mapping):
            field = field_for(header)
            if field is not None:  # a second column naming a field already read
                first = self.columns[field]
                notice = RowNotice(self.sheet, row, header, "duplicate_column", {"first": first})
            elif (suggestion := suggest_field(header)) is not None and suggestion not in read:
                params = {"column": header, "suggestion": suggestion}
                notice = RowNotice(self.sheet, row, header, "ignored_column_suggest", params)
            else:
                notice = RowNotice(self.sheet, row, header, "ignored_column", {"column": header})
            self.table.notices.append(notice)
