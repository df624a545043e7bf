"""填空题 accepted alternatives (可接受答案): a column in Excel/CSV, a labelled line in Word
and text banks, checked at validation, merged into the answer that grading reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizbank.formats import read_table
from quizbank.grading import grade
from quizbank.template import write_template
from quizbank.template_docx import write_docx_template
from quizbank.validation import parse_file
from tests.quizbank.bank_files import csv_bytes, docx_bytes, write_xlsx

HEADER = ["题型", "题干", "答案", "可接受答案", "选项A", "选项B"]
PDCA = ["填空题", "PDCA循环又被称为____环", "戴明", "戴明环|戴明循环", None, None]


def _only_answer(report) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert report.ok, [e.describe() for e in report.errors]
    (draft,) = report.drafts
    return draft.answer  # type: ignore[no-any-return]


def test_an_excel_column_lists_spellings_that_score(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "bank.xlsx", [PDCA], header=HEADER)
    answer = _only_answer(parse_file(path))
    assert answer == [["戴明", "戴明环", "戴明循环"]]
    assert grade("blank", answer, ["戴明环"]).correct
    assert grade("blank", answer, ["戴明 环"]).correct  # a space typed inside Chinese
    assert not grade("blank", answer, ["休哈特"]).correct


@pytest.mark.parametrize("cell", ["戴明环；戴明循环", "戴明环;戴明循环", "戴明环｜戴明循环"])
def test_one_blank_takes_any_separator(cell: str) -> None:
    data = csv_bytes([["填空题", "PDCA循环又被称为____环", "戴明", cell]], header=HEADER[:4])
    assert _only_answer(parse_file(data, filename="bank.csv")) == [["戴明", "戴明环", "戴明循环"]]


def test_several_blanks_take_their_own_spellings() -> None:
    rows = [["填空题", "____ 标准规定了 ____ 的要求", "ISO 9001；质量管理体系", "；QMS|体系"]]
    data = csv_bytes(rows, header=HEADER[:4])
    answer = _only_answer(parse_file(data, filename="bank.csv"))
    assert answer == [["ISO 9001"], ["质量管理体系", "QMS", "体系"]]
    assert grade("blank", answer, ["iso 9001", "qms"]).correct


def test_alternatives_are_refused_where_they_mean_nothing() -> None:
    rows = [
        ["单选题", "全国质量月始于哪一年？", "B", "C", "1960年", "1978年"],
        ["填空题", "____ 标准规定了 ____ 的要求", "ISO 9001；体系", "a;b;c"],
    ]
    report = parse_file(csv_bytes(rows, header=HEADER), filename="bank.csv")
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (2, "可接受答案", "alternatives_not_blank"),
        (3, "可接受答案", "alternatives_too_many_blanks"),
    ]
    assert not report.drafts
    assert "3 组" in report.errors[1].message("zh")


def test_word_and_text_banks_take_a_labelled_line() -> None:
    lines = [
        "四、填空题",
        "1. PDCA循环又被称为____环。",
        "答案：戴明",
        "可接受答案：戴明环|戴明循环",
    ]
    word = parse_file(docx_bytes(lines), filename="bank.docx")
    assert _only_answer(word) == [["戴明", "戴明环", "戴明循环"]]
    text = "\n".join(["四、填空题", "1. PDCA循环又被称为____环。", "答案：戴明 可接受答案：戴明环"])
    assert _only_answer(parse_file(text.encode(), filename="bank.txt")) == [["戴明", "戴明环"]]


def test_the_templates_show_the_column_and_read_back(tmp_path: Path) -> None:
    excel, word = tmp_path / "t.xlsx", tmp_path / "t.docx"
    write_template(excel)
    write_docx_template(word)
    assert (
        "可接受答案" in read_table(excel.read_bytes(), filename="t.xlsx").rows[0].columns.values()
    )
    for path in (excel, word):
        report = parse_file(path)
        iso = next(d for d in report.drafts if d.type == "blank")
        assert iso.answer == [["9001", "ISO 9001"]], path.name
