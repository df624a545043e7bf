"""What an organiser's uploaded file is, before any row is checked (pure and blocking).

Chat uploads arrive as bytes with a name the sender chose, so the name is not trusted:
the bytes must match the extension (a PNG renamed to .xlsx, a password-protected
workbook — an OLE2 container, not a zip — are refused with their own reason), and the
header row decides whether the file is a question bank (题库) or a roster (花名册).
"""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from contest.roster import FIELDS as ROSTER_FIELDS
from contest.roster import REQUIRED as ROSTER_REQUIRED
from contest.roster import check_rows, read_roster
from contest.rules import TYPE_ALIASES
from quizbank.formats.archive import check_archive
from quizbank.formats.csv_ import decode
from quizbank.formats.headers import looks_like_header, map_header, normalize_header
from quizbank.overlap import Overlap
from quizbank.service import overlaps_with_other_sets, validate_file

ACCEPTED = (".xlsx", ".csv", ".json", ".docx", ".txt")
OLD_EXCEL = (".xls", ".xlsm", ".xlsb", ".et")
OLD_WORD = (".doc", ".wps")
TEXT_BANKS = (".json", ".docx", ".txt")  # banks only: rosters come as tables
COMPETITION = (".yaml", ".yml")
HEADER_ROWS = 10
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", ZIP_MAGIC, OLE2_MAGIC[:4])
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Notepad's "Unicode" text is full of NUL bytes
_ROSTER_LOOKUP = {normalize_header(a): f for f, aliases in ROSTER_FIELDS.items() for a in aliases}


class FileProblem(StrEnum):
    """Why a file cannot be read at all (``admin.upload.<value>`` in i18n)."""

    BAD_EXTENSION = "bad_extension"
    OLD_EXCEL = "old_excel"
    OLD_WORD = "old_word"
    EMPTY = "empty"
    ENCRYPTED = "encrypted"
    ENCRYPTED_DOCX = "encrypted_docx"
    NOT_XLSX = "not_xlsx"
    NOT_DOCX = "not_docx"
    BINARY = "binary"
    ARCHIVE_TOO_BIG = "archive_too_big"
    TOO_MANY_ROWS = "too_many_rows"


class UploadKind(StrEnum):
    BANK = "bank"
    ROSTER = "roster"
    COMPETITION = "competition"  # an .xlsx competition definition (字段 | 值)
    UNKNOWN = "unknown"
    AMBIGUOUS = "ambiguous"


def extension_problem(filename: str) -> FileProblem | None:
    """A refusal by name alone (checked before anything is downloaded)."""
    suffix = Path(filename).suffix.lower()
    if suffix in OLD_EXCEL:
        return FileProblem.OLD_EXCEL
    if suffix in OLD_WORD:
        return FileProblem.OLD_WORD
    if suffix not in ACCEPTED:
        return FileProblem.BAD_EXTENSION
    return None


def content_problem(data: bytes, filename: str) -> FileProblem | None:
    """Bytes that do not match the extension, or cannot be opened at all."""
    if not data.strip():
        return FileProblem.EMPTY
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        if data.startswith(OLE2_MAGIC):
            return FileProblem.ENCRYPTED
        if not data.startswith(ZIP_MAGIC) or not _zip_holds(data, "xl/workbook.xml"):
            return FileProblem.NOT_XLSX
        return _archive_problem(data, sheets=True)
    if suffix == ".docx":
        if data.startswith(OLE2_MAGIC):
            return FileProblem.ENCRYPTED_DOCX
        if not data.startswith(ZIP_MAGIC) or not _zip_holds(data, "word/document.xml"):
            return FileProblem.NOT_DOCX
        return _archive_problem(data, sheets=False)
    if suffix == ".txt" and data.startswith(UTF16_BOMS):
        return None
    head = data[:2048]
    if head.startswith(BINARY_MAGIC) or b"\x00" in head:
        return FileProblem.BINARY
    return None


def _archive_problem(data: bytes, *, sheets: bool) -> FileProblem | None:
    """A zip bomb or a sheet too long to read, refused before any parser decompresses it."""
    problem = check_archive(data, sheets=sheets)
    if problem is None:
        return None
    if problem.code == "not_a_zip":
        return FileProblem.NOT_XLSX if sheets else FileProblem.NOT_DOCX
    return FileProblem(problem.code)


def _zip_holds(data: bytes, member: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return member in archive.namelist()
    except zipfile.BadZipFile:
        return False


def detect_kind(data: bytes, filename: str) -> UploadKind | FileProblem:
    """Bank or roster by the header row; a workbook openpyxl cannot open is NOT_XLSX."""
    suffix = Path(filename).suffix.lower()
    if suffix in TEXT_BANKS:
        return UploadKind.BANK
    try:
        rows = _head_rows(data, suffix)
    except Exception:  # openpyxl raises many types for a damaged workbook
        return FileProblem.NOT_XLSX
    bank = any(looks_like_header(map_header(row)) for row in rows)
    roster = any(_roster_score(row) >= 2 for row in rows)
    if bank and roster:
        return UploadKind.AMBIGUOUS
    if roster:
        return UploadKind.ROSTER
    if bank:
        return UploadKind.BANK
    if suffix == ".xlsx" and competition_from_xlsx(data) is not None:
        return UploadKind.COMPETITION
    return UploadKind.UNKNOWN


def _roster_score(row: list[Any]) -> int:
    fields = {_ROSTER_LOOKUP.get(normalize_header(cell)) for cell in row}
    fields.discard(None)
    required = sum(1 for f in ROSTER_REQUIRED if f in fields)
    return required


def _head_rows(data: bytes, suffix: str) -> list[list[Any]]:
    if suffix == ".csv":
        text, _ = decode(data)
        if text is None:
            return []  # the validator reports the undecodable byte with its offset
        reader = csv.reader(io.StringIO(text, newline=""))
        return [row for _, row in zip(range(HEADER_ROWS), reader, strict=False)]
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        rows: list[list[Any]] = []
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()
            for _, row in zip(range(HEADER_ROWS), sheet.iter_rows(values_only=True), strict=False):
                rows.append(list(row))
        return rows
    finally:
        workbook.close()


def default_set_name(filename: str) -> str:
    """A bank file without its own set name goes into the set named after the file,
    so re-uploading an updated file of the same name updates that set in place."""
    return Path(filename).stem.strip()[:200] or "题库"


@dataclass
class UploadCheck:
    """What checking an upload found: valid rows, counts to show, every problem."""

    kind: UploadKind
    filename: str
    valid: int
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[Any] = field(default_factory=list)
    set_name: str | None = None
    notices: list[Any] = field(default_factory=list)  # read but not used (unknown columns)
    overlaps: list[Overlap] = field(default_factory=list)  # questions other sets hold

    @property
    def ok(self) -> bool:
        return self.valid > 0 and not self.errors


async def check_upload(
    data: bytes, filename: str, kind: UploadKind, session: AsyncSession | None = None
) -> UploadCheck:
    """Validate without writing (off the event loop): a bank or a roster file. With a
    ``session``, a bank's questions that other sets already hold are listed too, so the
    organiser chooses before importing."""
    if kind is UploadKind.ROSTER:
        return await asyncio.to_thread(_check_roster, data, filename)
    report = await validate_file(data, filename=filename)
    set_name = report.name or default_set_name(filename)
    overlaps: list[Overlap] = []
    if session is not None and report.drafts:
        overlaps = await overlaps_with_other_sets(session, drafts=report.drafts, set_name=set_name)
    return UploadCheck(
        kind=UploadKind.BANK,
        filename=report.filename,
        valid=len(report.drafts),
        counts={"by_type": report.by_type, "by_category": report.by_category},
        errors=list(report.errors),
        set_name=set_name,
        notices=list(report.notices),
        overlaps=overlaps,
    )


def _check_roster(data: bytes, filename: str) -> UploadCheck:
    rows, errors = read_roster(data, filename=filename)
    entries, row_errors = check_rows(rows)
    teams = Counter(" / ".join(name for _, name in e.team_path) for e in entries)
    return UploadCheck(
        kind=UploadKind.ROSTER,
        filename=Path(filename).name,
        valid=len(entries),
        counts={"by_team": dict(teams)},
        errors=errors + row_errors,
    )


# --- a competition defined in a two-column sheet (字段 | 值) --------------------------------

_DEFINITION_KEYS = {
    "名称": "name",
    "竞赛名称": "name",
    "name": "name",
    "说明": "description",
    "描述": "description",
    "description": "description",
    "开始时间": "starts_at",
    "starts_at": "starts_at",
    "start": "starts_at",
    "结束时间": "ends_at",
    "ends_at": "ends_at",
    "end": "ends_at",
    "时区": "timezone",
    "timezone": "timezone",
    "每题限时": "question_time_limit_s",
    "每题限时(秒)": "question_time_limit_s",
    "question_time_limit_s": "question_time_limit_s",
    "答题次数": "attempts_allowed",
    "attempts_allowed": "attempts_allowed",
}
_RULE_KEYS = {"question_time_limit_s", "attempts_allowed"}


def competition_from_xlsx(data: bytes) -> dict[str, Any] | None:
    """A definition mapping from a sheet of "字段 | 值" rows, or None if it is not one.

    Rows naming a question type (单选 | 10) make the composition; times are local text.
    Blocking (openpyxl): call it in a thread.
    """
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # not a workbook at all: the bank/roster path reports it
        return None
    try:
        rows = [r[:2] for r in workbook.worksheets[0].iter_rows(max_row=60, values_only=True)]
    finally:
        workbook.close()
    out: dict[str, Any] = {"rules": {"composition": []}}
    for key, value in (r for r in rows if len(r) == 2 and r[0] is not None):
        _definition_cell(out, str(key).strip(), value)
    if not {"name", "starts_at", "ends_at"} <= out.keys():
        return None
    return out


def _definition_cell(out: dict[str, Any], key: str, value: Any) -> None:
    field_name = _DEFINITION_KEYS.get(normalize_header(key)) or _DEFINITION_KEYS.get(key)
    if isinstance(value, datetime):
        value = value.strftime("%Y-%m-%d %H:%M")
    if key in TYPE_ALIASES and value not in (None, ""):
        item = {"type": TYPE_ALIASES[key].value, "count": value}
        out["rules"]["composition"].append(item)
    elif field_name in _RULE_KEYS:
        out["rules"][field_name] = value
    elif field_name is not None and value is not None:
        out[field_name] = str(value)
