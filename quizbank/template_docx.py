"""The Word template (题库模板.docx): the numbered layout, one example per type.

For organisers who keep their bank in Word: the same examples as the Excel template,
written the way the Word reader reads them (一、单选题 / 1. 题干 / A. … / 答案： / 解析：),
after a short guide. The guide's lines start with "•", which the reader never takes
for a question, an option or a label, so the template imports as it is.
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.document import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from i18n import t
from quizbank.models import OPTION_LETTERS
from quizbank.template import EXAMPLES

_SECTION_NUMERALS = "一二三四"
_GUIDE = ("numbers", "options", "answer", "answer_in_stem", "key", "other", "upload")
# Labelled lines after the answer, in the order the Excel template has the columns.
_LABELS = (
    ("alternatives", "可接受答案"),
    ("explanation", "解析"),
    ("difficulty", "难度"),
    ("category", "分类"),
    ("tags", "标签"),
    ("source", "出处"),
)


def write_docx_template(path: Path) -> None:
    document = docx.Document()
    _use_chinese_font(document)
    document.add_paragraph(t("bank.template_docx.title", "zh"), style="Title")
    for lang in ("zh", "en"):
        for key in _GUIDE:
            document.add_paragraph("• " + t(f"bank.template_docx.{key}", lang))
    document.add_paragraph("")
    for numeral, kind in zip(_SECTION_NUMERALS, _types(), strict=False):
        examples = [e for e in EXAMPLES if e["type"] == kind]
        heading = f"{numeral}、{kind}（每题{examples[0]['points']}分）"
        document.add_paragraph(heading, style="Heading 1")
        for number, example in enumerate(examples, start=1):
            for line in _question_lines(number, example):
                document.add_paragraph(line)
    document.save(str(path))


def _types() -> list[str]:
    """The example types in the order they first appear (单选, 多选, 判断, 填空)."""
    kinds: list[str] = []
    for example in EXAMPLES:
        if example["type"] not in kinds:
            kinds.append(str(example["type"]))
    return kinds


def _question_lines(number: int, example: dict[str, object]) -> list[str]:
    lines = [f"{number}. {example['stem']}"]
    for letter in OPTION_LETTERS:
        option = example.get(f"option_{letter}")
        if option:
            lines.append(f"{letter}. {option}")
    lines.append(f"答案：{example['answer']}")
    for field, label in _LABELS:
        value = example.get(field)
        if value:
            lines.append(f"{label}：{value}")
    return lines


def _use_chinese_font(document: Document) -> None:
    """宋体 for Chinese text, so Word does not fall back to a font the organiser lacks."""
    normal = document.styles["Normal"]
    normal.font.size = Pt(11)  # type: ignore[attr-defined]
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
