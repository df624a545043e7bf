"""Plain-text banks (.txt) in the numbered layout, in whatever encoding Windows saved.

Notepad on Chinese Windows saves ANSI as GBK, newer versions UTF-8 (with or without a
BOM), and "Unicode" as UTF-16 with a BOM. The BOM decides first, then strict UTF-8,
then strict GB18030 (GBK's superset), as for CSV; charset-normalizer's best guess is
the last resort (Big5 from Taiwan or Hong Kong, say, which GB18030 turns into
private-use characters). Lines are numbered as an editor
shows them.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from quizbank.formats.csv_ import decode
from quizbank.formats.numbered import read_numbered
from quizbank.formats.rows import LINE, RawTable, RowError

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Only what an editor breaks lines on (str.splitlines also breaks on \x0c, \x1c, …).
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_NEWLINE = re.compile(r"\r\n|[\r\n]")


def decode_text(data: bytes) -> tuple[str | None, int]:
    """The text and -1, or None and the offset of the first byte UTF-8 could not read."""
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16"), -1
        except UnicodeDecodeError as exc:
            return None, exc.start
    text, offset = decode(data)
    if text is not None and not _PRIVATE_USE.search(text):
        return text, -1
    # GB18030 decodes almost anything; private-use characters say the guess was wrong.
    best = from_bytes(data).best()
    if best is not None:
        return str(best), -1
    return text, offset


def read_txt(data: bytes, *, label: str) -> RawTable:
    text, offset = decode_text(data)
    if text is None:
        return RawTable(errors=[RowError(label, 0, "", "cannot_decode_text", {"offset": offset})])
    lines = list(enumerate(_NEWLINE.split(text), start=1))
    return read_numbered(lines, label=label, unit=LINE)
