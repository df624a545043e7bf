"""Hostile-file checks for zip-based uploads (.xlsx, .docx), before any parser opens them.

openpyxl and python-docx decompress whole parts into memory: a 199 KB workbook holding one
200 MB cell took 31 s and ~650 MB, an 8.4 MB sheet of 800,000 rows 23 s. So the archive's
declared sizes are checked first (``zipfile`` reads only the central directory), then what
the parts really inflate to — a directory may claim 1,000 bytes for a part that inflates to
1 GB, and ``zipfile`` inflates a whole part before it cuts it to the claimed size — by
inflating each part's raw data in 1 MB steps and stopping at the limit, then a sheet's
declared dimension (the first bytes of its XML); readers also stop at :data:`MAX_ROWS` in
case the dimension is missing or wrong (some generators write none).

The limits agree: a sheet of :data:`MAX_ROWS` rows must fit in :data:`MAX_PART_BYTES`. A
20-column bank (bench/bank_import.py's rows, inline strings as openpyxl writes them) takes
~1.3 KB a row: 30,000 rows inflate to 38.7 MB, 50,000 rows to 64.7 MB (over the part limit,
which is why the row limit is 30,000 and not 50,000). Every refusal names all three limits
(:func:`limits`), so the organiser reads the real ones whichever was hit.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_UNPACKED_BYTES = 100 * 2**20  # all parts together, uncompressed
MAX_PART_BYTES = 50 * 2**20  # any one part (a sheet, the shared strings, the document)
MAX_MEMBERS = 5_000
# Rows of one sheet: far more than any bank or roster a plant keeps, and few enough that a
# sheet this long fits the part limit (1.75 KB a row; a bank row takes ~1.3 KB).
MAX_ROWS = 30_000
_HEAD_BYTES = 4096
_STEP = 2**20  # inflate at most this much at a time
_LOCAL_HEADER = 30  # bytes of a local file header before its name and extra field
_ROW = re.compile(rb"<(?:\w+:)?row[\s>]")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*(\d*)(?::[A-Z]*(\d+))?\"")


@dataclass(frozen=True)
class ArchiveProblem:
    """Why a zip-based file is refused: ``code`` is ``archive_too_big``, ``too_many_rows``
    or ``not_a_zip``; ``params`` fill the translated reason."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


def _mb(size: int) -> str:
    return f"{size / 2**20:.0f}"


def limits() -> dict[str, Any]:
    """Every limit in words' units: ``max_rows`` of a sheet, ``part_mb`` a sheet (or the
    document) may inflate to, ``total_mb`` the whole file may inflate to."""
    return {
        "max_rows": f"{MAX_ROWS:,}",
        "part_mb": _mb(MAX_PART_BYTES),
        "total_mb": _mb(MAX_UNPACKED_BYTES),
    }


def too_many_rows(shown: int | str) -> dict[str, Any]:
    """The parameters of a ``too_many_rows`` refusal of a sheet of ``shown`` rows."""
    return {**limits(), "rows": shown, "limit": MAX_ROWS}


def _too_big(limit: int) -> ArchiveProblem:
    return ArchiveProblem("archive_too_big", {**limits(), "limit": _mb(limit)})


def check_archive(source: Path | bytes, *, sheets: bool = False) -> ArchiveProblem | None:
    """None when the archive is safe to open; with ``sheets``, also each worksheet's
    declared row count against :data:`MAX_ROWS`."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return (
                _sizes(archive)
                or _inflated(archive, data)
                or (_dimensions(archive) if sheets else None)
            )
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, struct.error):
        return ArchiveProblem("not_a_zip")


def _sizes(archive: zipfile.ZipFile) -> ArchiveProblem | None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        return _too_big(MAX_UNPACKED_BYTES)
    total = sum(m.file_size for m in members)
    biggest = max((m.file_size for m in members), default=0)
    if total > MAX_UNPACKED_BYTES:
        return _too_big(MAX_UNPACKED_BYTES)
    if biggest > MAX_PART_BYTES:
        return _too_big(MAX_PART_BYTES)
    return None


def _inflated(archive: zipfile.ZipFile, data: bytes) -> ArchiveProblem | None:
    """What the parts really inflate to, against the same limits, never holding more than
    one step of output; a part whose data is not what its entry says is refused too."""
    total = 0
    for member in archive.infolist():
        size = _inflated_size(member, data, MAX_PART_BYTES + 1)
        if size > MAX_PART_BYTES:
            return _too_big(MAX_PART_BYTES)
        total += size
        if total > MAX_UNPACKED_BYTES:
            return _too_big(MAX_UNPACKED_BYTES)
    return None


def _inflated_size(member: zipfile.ZipInfo, data: bytes, cap: int) -> int:
    """Bytes the member's raw data inflates to, counted up to ``cap``."""
    start = member.header_offset
    if data[start : start + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"no local header for {member.filename}")
    name_len, extra_len = struct.unpack_from("<HH", data, start + 26)
    begin = start + _LOCAL_HEADER + name_len + extra_len
    raw = memoryview(data)[begin : begin + member.compress_size]
    if member.compress_type == zipfile.ZIP_STORED:
        return len(raw)
    if member.compress_type != zipfile.ZIP_DEFLATED:
        return member.file_size  # not inflated by us; its parser would refuse it anyway
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = 0
    for offset in range(0, len(raw), _STEP):
        chunk: bytes | memoryview = raw[offset : offset + _STEP]
        while chunk:
            size += len(inflater.decompress(chunk, _STEP))
            if size > cap:
                return size
            chunk = inflater.unconsumed_tail
    return size + len(inflater.flush())


def _dimensions(archive: zipfile.ZipFile) -> ArchiveProblem | None:
    for member in archive.infolist():
        if not (member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml")):
            continue
        with archive.open(member) as part:
            head = part.read(_HEAD_BYTES)
            match = _DIMENSION.search(head)
            if match is not None:
                rows = int(match.group(2) or match.group(1) or 0)
            else:  # openpyxl would scan the whole sheet for it; count the rows ourselves
                rows = _count_rows(head, part)
        if rows > MAX_ROWS:
            shown = rows if match is not None else f"{MAX_ROWS}+"
            return ArchiveProblem("too_many_rows", too_many_rows(shown))
    return None


def _count_rows(head: bytes, part: Any) -> int:
    """``<row>`` elements in a sheet's XML, streamed (stops counting past the limit)."""
    count, tail, chunk = 0, b"", head
    while chunk:
        window = tail + chunk
        count += len(_ROW.findall(window)) - len(_ROW.findall(tail))
        if count > MAX_ROWS:
            break
        tail, chunk = window[-16:], part.read(2**20)
    return count
