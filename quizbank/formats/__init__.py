"""Question-bank file formats: ``.xlsx`` (primary), ``.csv``, ``.json``, and numbered
Word (``.docx``) and text (``.txt``) banks.

``read_table`` turns a file into raw rows keyed by field (no rule checked yet);
``write_questions`` writes questions back in the spreadsheet or JSON format.
"""

from __future__ import annotations

from pathlib import Path

from quizbank.formats.csv_ import read_csv
from quizbank.formats.docx_ import read_docx
from quizbank.formats.export import HEADERS, write_questions
from quizbank.formats.json_ import read_json
from quizbank.formats.rows import (
    ImportRejected,
    RawRow,
    RawTable,
    RowError,
    RowNotice,
    UnsupportedFormat,
)
from quizbank.formats.txt_ import read_txt
from quizbank.formats.xlsx import read_xlsx

READ_EXTENSIONS = (".xlsx", ".xlsm", ".csv", ".json", ".docx", ".txt")
WRITE_EXTENSIONS = (".xlsx", ".csv", ".json")


def check_extension(filename: str, allowed: tuple[str, ...] = READ_EXTENSIONS) -> str:
    """The lower-case extension, or ``UnsupportedFormat`` (old ``.xls`` included)."""
    extension = Path(filename).suffix.lower()
    if extension not in allowed:
        raise UnsupportedFormat(extension)
    return extension


def read_table(source: Path | bytes, *, filename: str) -> RawTable:
    """Read ``source`` (a path, or the uploaded bytes) by ``filename``'s extension."""
    extension = check_extension(filename)
    label = Path(filename).name
    if extension in (".xlsx", ".xlsm"):
        return read_xlsx(source, label=label)
    if extension == ".docx":
        return read_docx(source, label=label)
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    readers = {".csv": read_csv, ".txt": read_txt, ".json": read_json}
    return readers[extension](data, label=label)


__all__ = [
    "HEADERS",
    "READ_EXTENSIONS",
    "WRITE_EXTENSIONS",
    "ImportRejected",
    "RawRow",
    "RawTable",
    "RowError",
    "RowNotice",
    "UnsupportedFormat",
    "check_extension",
    "read_table",
    "write_questions",
]
