"""Word banks (.docx) in the numbered layout, read paragraph by paragraph.

The "row" of a problem is the paragraph's number in the body (empty paragraphs
count: each is an Enter the organiser typed). A soft line break (Shift+Enter) keeps
the paragraph but starts a new line, so "A.… B.…" under a stem in one paragraph reads
like separate lines. Word's automatic list numbers are drawn back in front of the
text (``docx_numbering``). Tables are not read: a bank kept in a Word table is said
to be ignored, so the organiser can paste it into Excel.
"""

from __future__ import annotations

import io
from pathlib import Path

import docx
from docx.table import Table

from quizbank.formats.archive import check_archive
from quizbank.formats.docx_numbering import ListNumbers
from quizbank.formats.numbered import read_numbered
from quizbank.formats.rows import PARAGRAPH, RawTable, RowError, RowNotice


def read_docx(source: Path | bytes, *, label: str) -> RawTable:
    problem = check_archive(source)
    if problem is not None and problem.code != "not_a_zip":
        return RawTable(errors=[RowError(label, 0, "", problem.code, problem.params)])
    handle = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    try:
        document = docx.Document(handle)
    except Exception:  # python-docx raises many types for a damaged or foreign file
        return RawTable(errors=[RowError(label, 0, "", "cannot_open_docx", {})])
    numbers = ListNumbers(document)
    lines: list[tuple[int, str]] = []
    notices: list[RowError] = []
    paragraph_number = 0
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            after = {"after": paragraph_number}
            notices.append(RowNotice(label, 0, "", "table_ignored", after, PARAGRAPH))
            continue
        paragraph_number += 1
        text = numbers.label(block) + block.text
        lines += [(paragraph_number, line) for line in text.split("\n")]
    table = read_numbered(lines, label=label, unit=PARAGRAPH)
    table.notices += notices
    return table
