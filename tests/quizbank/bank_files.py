"""Builders of question-bank files for the tests (xlsx, csv, json, docx) and sample rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from openpyxl import Workbook

HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "分值", "难度",
          "分类", "标签", "出处"]  # fmt: skip


def row(**values: Any) -> list[Any]:
    """A data row in ``HEADER`` order from field names (type, stem, A..D, answer…)."""
    names = ["type", "stem", "A", "B", "C", "D", "answer", "explanation", "points",
             "difficulty", "category", "tags", "source"]  # fmt: skip
    return [values.get(name) for name in names]


def good_rows() -> list[list[Any]]:
    """One valid question of each type."""
    return [
        row(type="单选题", stem="全国质量月始于哪一年？", A="1960年", B="1978年", C="1988年",
            answer="B", explanation="1978年首次开展。", points=1, difficulty="易",
            category="质量月历史", tags="历史、质量月", source="质量月资料"),
        row(type="多选题", stem="PDCA包括哪些阶段？", A="计划", B="执行", C="检查", D="处置",
            answer="ABCD", explanation="四个阶段。", points=2, difficulty="中", category="PDCA"),
        row(type="判断题", stem="排列图用于找出主要因素。", answer="对", difficulty="易",
            category="QC七大手法"),
        row(type="填空题", stem="质量月始于____年。", answer="1978|1978年", points=2,
            difficulty="难", category="质量月历史"),
    ]  # fmt: skip


def write_xlsx(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    header: Sequence[Any] = HEADER,
    sheet: str = "Sheet1",
    above: Sequence[Sequence[Any]] = (),
) -> Path:
    """A workbook whose sheet holds ``above`` (title rows), the header and ``rows``."""
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for line in [*above, header, *rows]:
        worksheet.append(list(line))
    workbook.save(path)
    return path


def csv_bytes(rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8",
              header: Sequence[Any] = HEADER, delimiter: str = ",") -> bytes:  # fmt: skip
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for line in rows:
        writer.writerow(["" if v is None else v for v in line])
    return buffer.getvalue().encode(encoding)


def json_bytes(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def docx_bytes(paragraphs: Sequence[str | Sequence[str]], *, numbered: Sequence[str] = ()) -> bytes:
    """A Word document: one paragraph per item; a list item is one paragraph whose lines
    are joined by soft line breaks (Shift+Enter). ``numbered`` paragraphs follow, in
    Word's own automatic "List Number" list (the number is not in their text)."""
    document = Document()
    for item in paragraphs:
        lines = [item] if isinstance(item, str) else list(item)
        paragraph = document.add_paragraph(lines[0])
        for line in lines[1:]:
            paragraph.add_run().add_break()
            paragraph.add_run(line)
    for text in numbered:
        document.add_paragraph(text, style="List Number")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
