"""The templates: Excel (headers, examples, drop-downs, help sheet) and Word — both
validate, to the same questions."""

from __future__ import annotations

from pathlib import Path

import docx
from openpyxl import load_workbook

from quizbank.formats import HEADERS
from quizbank.models import QuestionType
from quizbank.template import write_template
from quizbank.template_docx import write_docx_template
from quizbank.validation import parse_file


def test_template_examples_validate_one_per_type(tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    write_template(path)
    report = parse_file(path)
    assert report.errors == []
    assert [d.type for d in report.drafts] == list(QuestionType)


def test_template_has_chinese_headers_drop_down_and_help_sheet(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path)
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    lists = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert lists["A2:A501"] == '"单选题,多选题,判断题,填空题"'
    assert sheet.column_dimensions["B"].width >= 40
    help_sheet = workbook["填写说明"]
    rows = [[c.value for c in line] for line in help_sheet.iter_rows()]
    assert rows[0] == ["列名", "必填", "说明", "Description"]
    assert {r[0] for r in rows[1:]} >= {"题型", "题干", "选项A–选项H", "答案", "解析", "分值"}
    assert all(r[2] and r[3] for r in rows[1:])


def test_the_word_template_imports_as_the_excel_template_does(tmp_path: Path) -> None:
    write_docx_template(tmp_path / "题库模板.docx")
    write_template(tmp_path / "题库模板.xlsx")
    word = parse_file(tmp_path / "题库模板.docx")
    excel = parse_file(tmp_path / "题库模板.xlsx")
    assert word.errors == [] and word.notices == []
    assert [d.type for d in word.drafts] == list(QuestionType)
    assert [d.content_hash for d in word.drafts] == [d.content_hash for d in excel.drafts]


def test_the_word_template_guides_in_both_languages(tmp_path: Path) -> None:
    write_docx_template(tmp_path / "t.docx")
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "t.docx")).paragraphs)
    assert "每道题以题号开头" in text and "Each question starts with its number" in text
    assert "一、单选题（每题1分）" in text and "答案：ABCD" in text
