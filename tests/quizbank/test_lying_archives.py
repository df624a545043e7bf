"""Archives whose directory lies about sizes (issue 23): a .docx claiming its document.xml
holds 1,000 bytes that inflates to hundreds of MB is refused by what it really inflates to,
without inflating it whole, with a translated reason; honest files still read."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from contest.uploads import FileProblem, content_problem
from quizbank.formats import read_table
from quizbank.formats.archive import MAX_PART_BYTES
from tests.quizbank.bank_files import docx_bytes

INFLATES_TO = 300 * 2**20
CLAIMED = 1_000


def _claim(data: bytes, member: str, size: int) -> bytes:
    """The archive with ``member``'s uncompressed size rewritten in its central directory
    entry and its local header (the data itself untouched)."""
    out = bytearray(data)
    name = member.encode()
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", out, at + 28)[0]
        if bytes(out[at + 46 : at + 46 + name_len]) == name:
            struct.pack_into("<I", out, at + 24, size)
            local = struct.unpack_from("<I", out, at + 42)[0]
            struct.pack_into("<I", out, local + 22, size)
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


def _swollen(source: bytes, member: str, filler: int) -> bytes:
    """``source`` with ``filler`` spaces streamed into ``member`` (never held in memory)."""
    original = zipfile.ZipFile(io.BytesIO(source))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in original.infolist():
            body = original.read(item.filename)
            if item.filename != member:
                archive.writestr(item.filename, body, compress_type=zipfile.ZIP_DEFLATED)
                continue
            head, _, tail = body.rpartition(b"</")
            with archive.open(item.filename, "w", force_zip64=False) as part:
                part.write(head)
                chunk = b" " * 2**20
                for _ in range(filler // len(chunk)):
                    part.write(chunk)
                part.write(b"</" + tail)
    return _claim(out.getvalue(), member, CLAIMED)


@pytest.fixture(scope="module")
def lying_docx() -> bytes:
    document = docx_bytes(["一、判断题", "1. 排列图用于找出主要因素。", "答案：对"])
    return _swollen(document, "word/document.xml", INFLATES_TO)


@pytest.fixture(scope="module")
def lying_xlsx() -> bytes:
    book = Workbook()
    book.active.append(["题型", "题干", "答案"])
    book.active.append(["判断", "排列图用于找出主要因素。", "对"])
    buffer = io.BytesIO()
    book.save(buffer)
    return _swollen(buffer.getvalue(), "xl/worksheets/sheet1.xml", INFLATES_TO)


def test_the_directory_really_claims_a_small_part(lying_docx: bytes) -> None:
    info = zipfile.ZipFile(io.BytesIO(lying_docx)).getinfo("word/document.xml")
    assert info.file_size == CLAIMED and len(lying_docx) < 2 * 2**20


@pytest.mark.parametrize("name", ["题库.docx", "题库.xlsx"])
def test_a_part_is_measured_by_what_it_inflates_to(
    name: str, lying_docx: bytes, lying_xlsx: bytes
) -> None:
    data = lying_docx if name.endswith(".docx") else lying_xlsx
    tracemalloc.start()
    try:
        problem = content_problem(data, name)
        (error,) = read_table(data, filename=name).errors
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert problem is FileProblem.ARCHIVE_TOO_BIG
    assert error.code == "archive_too_big"
    assert peak < MAX_PART_BYTES // 4  # counted in steps, never inflated whole
    assert error.message("zh").startswith("文件解压后超过 50 MB 的上限")
    assert "more than the 50 MB limit" in error.message("en")


def test_an_honest_docx_still_reads() -> None:
    data = docx_bytes(["一、判断题", "1. 排列图用于找出主要因素。", "答案：对"])
    assert content_problem(data, "题库.docx") is None
    table = read_table(data, filename="题库.docx")
    assert not table.errors and len(table.rows) == 1


def test_a_part_whose_data_is_shorter_than_claimed_is_not_read() -> None:
    data = _claim(docx_bytes(["一、判断题", "1. 题。", "答案：对"]), "word/document.xml", 10)
    (error,) = read_table(data, filename="题库.docx").errors
    assert error.code == "cannot_open_docx"
