"""Hostile zip uploads (.xlsx, .docx) are refused before any parser decompresses them."""

from __future__ import annotations

import io
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from bench.bank_import import generate
from contest.roster import read_roster
from contest.uploads import FileProblem, content_problem
from quizbank.formats import read_table
from quizbank.formats.archive import MAX_PART_BYTES, MAX_ROWS, check_archive


def _workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["题型", "题干", "答案"])
    sheet.append(["单选", "x", "A"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rewrite(data: bytes, member: str, change: object) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == member:
                body = change(body)  # type: ignore[operator]
            archive.writestr(item.filename, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _bomb() -> bytes:
    """~200 KB holding one 200 MB cell (the security pass's file)."""
    huge = b"<t>" + b"A" * (200 * 2**20) + b"</t>"
    return _rewrite(_workbook(), "xl/worksheets/sheet1.xml", lambda b: b.replace(b"<t>x</t>", huge))


def _rows(count: int, *, declared: bool) -> bytes:
    def change(body: bytes) -> bytes:
        head, _, rest = body.partition(b"<sheetData>")
        _, _, tail = rest.partition(b"</sheetData>")
        dimension = f'<dimension ref="A1:C{count}"/>'.encode() if declared else b""
        head = head.replace(b'<dimension ref="A1:C2"/>', dimension)
        rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i)
                        for i in range(1, count + 1))  # fmt: skip
        return head + b"<sheetData>" + rows + b"</sheetData>" + tail

    return _rewrite(_workbook(), "xl/worksheets/sheet1.xml", change)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return _bomb()


def test_a_zip_bomb_is_refused_from_its_directory_alone(bomb: bytes) -> None:
    assert len(bomb) < 300_000
    started = time.perf_counter()
    assert content_problem(bomb, "题库.xlsx") is FileProblem.ARCHIVE_TOO_BIG
    (error,) = read_table(bomb, filename="题库.xlsx").errors
    (roster_error,) = read_roster(bomb, filename="名单.xlsx")[1]
    assert time.perf_counter() - started < 1.0
    assert error.code == roster_error.code == "archive_too_big"
    # What is known, said truthfully: over the 100 MB limit (no rounded size beside it).
    assert "解压后超过 100 MB 的上限" in error.describe("zh")
    assert "more than the 100 MB limit" in error.describe("en")
    # …and every limit, so the organiser knows what would pass.
    assert "每张工作表最多 30,000 行、解压后最多 50 MB，整个文件解压后最多 100 MB" in (
        error.describe("zh")
    )
    assert "at most 30,000 rows and 50 MB unpacked per sheet, 100 MB" in error.describe("en")


@pytest.mark.parametrize("declared", [True, False])
def test_a_sheet_of_800_000_rows_is_refused_quickly(declared: bool) -> None:
    data = _rows(800_000, declared=declared)
    started = time.perf_counter()
    assert content_problem(data, "题库.xlsx") is FileProblem.TOO_MANY_ROWS
    (error,) = read_table(data, filename="题库.xlsx").errors
    assert time.perf_counter() - started < 2.0
    assert error.code == "too_many_rows"
    shown = "800000" if declared else f"{MAX_ROWS}+"
    assert f"工作表有 {shown} 行，超过每张工作表最多 30,000 行的上限" in error.describe("zh")
    assert "over the limit of 30,000 rows per sheet" in error.describe("en")
    assert "50 MB" in error.describe("zh")


def test_a_docx_bomb_is_refused(bomb: bytes) -> None:
    document = io.BytesIO()
    with zipfile.ZipFile(document, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "word/document.xml", b"<w:document>" + b" " * (120 * 2**20) + b"</w:document>"
        )
    data = document.getvalue()
    assert content_problem(data, "题库.docx") is FileProblem.ARCHIVE_TOO_BIG
    assert [e.code for e in read_table(data, filename="题库.docx").errors] == ["archive_too_big"]


def test_an_ordinary_workbook_passes() -> None:
    assert check_archive(_workbook(), sheets=True) is None
    assert content_problem(_workbook(), "题库.xlsx") is None


def test_a_sheet_of_the_row_limit_fits_the_part_limit() -> None:
    """The two limits agree: a bank sheet of MAX_ROWS rows (20 columns, as openpyxl writes
    the bench's bank) inflates to less than MAX_PART_BYTES, so the row limit is the real one."""
    sample = 1_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bank.xlsx"
        generate(path, sample)
        with zipfile.ZipFile(path) as archive:
            part = archive.getinfo("xl/worksheets/sheet1.xml").file_size
        assert check_archive(path, sheets=True) is None
    assert part / sample * MAX_ROWS < MAX_PART_BYTES
