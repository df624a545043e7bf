"""What every reader produces: raw rows keyed by field, and problems as data.

``RowError`` and ``ImportRejected`` live here (not in ``validation``) because readers
report file-level problems — undecodable bytes, a formula, a missing column — too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, ClassVar

from i18n import t

# What a ``row`` number counts, per format (the report says 第N行 or 第N段).
ROW = "row"
LINE = "line"
PARAGRAPH = "paragraph"


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in an uploaded file.

    ``row`` is the row number as the spreadsheet shows it (header included, 1-based;
    0 for a problem with the whole file or sheet); ``column`` is the header as written
    in the file, or the canonical Chinese name when the column is absent. ``unit`` says
    what ``row`` counts: spreadsheet rows, text lines or Word paragraphs.
    """

    sheet: str
    row: int
    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    unit: str = ROW
    # Where the codes are translated; other uploads (rosters) subclass with their own.
    catalogue: ClassVar[str] = "bank.error"

    def message(self, lang: str | None = None) -> str:
        """What is wrong, in ``lang``."""
        return t(f"{self.catalogue}.{self.code}", lang, **self.params)

    def location(self, lang: str | None = None) -> str:
        """Where: "工作表 Sheet1 第5行 [答案]"."""
        if self.row <= 0:
            key = "bank.where.sheet_column" if self.column else "bank.where.sheet"
            return t(key, lang, sheet=self.sheet, column=self.column)
        if self.unit == ROW:
            return t("bank.where.cell", lang, sheet=self.sheet, row=self.row, column=self.column)
        key = f"bank.where.{self.unit}" + ("" if self.column else "_bare")
        return t(key, lang, sheet=self.sheet, row=self.row, column=self.column)

    def describe(self, lang: str | None = None) -> str:
        return f"{self.location(lang)}: {self.message(lang)}"


@dataclass(frozen=True, slots=True)
class RowNotice(RowError):
    """Something read but not used (an unknown column): said, but no reason to refuse."""

    catalogue: ClassVar[str] = "bank.notice"


class ImportRejected(Exception):
    """The upload was refused; ``errors`` says every reason, and nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the uploaded file")
        self.errors = errors


class UnsupportedFormat(ValueError):
    """A file type we do not read (e.g. old ``.xls``): a usage error, not bad rows."""

    def __init__(self, extension: str) -> None:
        super().__init__(f"unsupported file type {extension!r}")
        self.extension = extension


@dataclass(slots=True)
class RawRow:
    """One non-blank data row: field → cell text, plus where it came from.

    ``columns`` (field → header text) and is shared by every row of a sheet. Text
    formats spread one question over several lines: ``lines`` says where each field
    was read (field → line), so a problem is reported where it is.
    """

    sheet: str
    row: int
    values: dict[str, str]
    columns: dict[str, str]
    lines: dict[str, int] = field(default_factory=dict)
    unit: str = ROW
    rejected: bool = False  # the reader already reported a problem inside it


@dataclass(slots=True)
class RawTable:
    """Everything read from one file, before any rule is checked."""

    rows: list[RawRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notices: list[RowError] = field(default_factory=list)
    name: str | None = None


def cell_text(value: object) -> str:
    """A cell value as the text an organiser typed (1978.0 → "1978", TRUE → "true")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def is_blank(values: dict[str, str]) -> bool:
    return not any(values.values())
