"""Reading and writing bank files: headers, encodings, sheets, formulas, JSON shapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from quizbank.formats import RowError, UnsupportedFormat, read_table, write_questions
from quizbank.formats.csv_ import decode
from quizbank.models import QuestionType
from quizbank.validation import QuestionDraft, parse_file
from tests.quizbank.bank_files import HEADER, csv_bytes, good_rows, json_bytes, row, write_xlsx


def _codes(errors: list[RowError]) -> list[tuple[str, int, str, str]]:
    return [(e.sheet, e.row, e.column, e.code) for e in errors]


def test_xlsx_reads_every_type_with_excel_row_numbers(tmp_path: Path) -> None:
    report = parse_file(write_xlsx(tmp_path / "bank.xlsx", good_rows()))
    assert report.errors == []
    assert [(d.sheet, d.row, d.type) for d in report.drafts] == [
        ("Sheet1", 2, QuestionType.SINGLE),
        ("Sheet1", 3, QuestionType.MULTIPLE),
        ("Sheet1", 4, QuestionType.TRUE_FALSE),
        ("Sheet1", 5, QuestionType.BLANK),
    ]


def test_title_rows_above_the_header_are_skipped(tmp_path: Path) -> None:
    above = [["2026年全国质量月知识竞赛题库"], [], ["编制：质量部"]]
    path = write_xlsx(tmp_path / "bank.xlsx", good_rows()[:1], above=above)
    report = parse_file(path)
    assert report.errors == []
    assert report.drafts[0].row == 5


def test_blank_rows_are_skipped_silently_and_keep_row_numbers(tmp_path: Path) -> None:
    rows = [good_rows()[0], [None] * len(HEADER), ["", " ", None], good_rows()[2]]
    report = parse_file(write_xlsx(tmp_path / "bank.xlsx", rows))
    assert report.errors == []
    assert [d.row for d in report.drafts] == [2, 5]


def test_headers_tolerate_full_width_spaces_case_and_order(tmp_path: Path) -> None:
    header = ["　ＡＮＳＷＥＲ　", " Stem ", "选项Ａ", "option_b", "c", "题型(必填)", "备注"]
    rows = [["c", "哪个是质量月？", "五月", "八月", "九月", "单选", "ignored"]]
    report = parse_file(write_xlsx(tmp_path / "bank.xlsx", rows, header=header))
    assert report.errors == []
    draft = report.drafts[0]
    assert (draft.stem, draft.options, draft.answer) == (
        "哪个是质量月？",
        ["五月", "八月", "九月"],
        [2],
    )


@pytest.mark.parametrize(
    ("stem", "answer"), [("题干", "答案"), ("题目", "正确答案"), ("question", "answer")]
)
def test_header_aliases(tmp_path: Path, stem: str, answer: str) -> None:
    header = ["类型", stem, "A", "B", answer, "知识点", "来源"]
    rows = [["single", "题？", "甲", "乙", "a", "计量", "《计量法》"]]
    report = parse_file(write_xlsx(tmp_path / "bank.xlsx", rows, header=header))
    assert report.errors == []
    assert (report.drafts[0].category, report.drafts[0].source) == ("计量", "《计量法》")


def test_missing_required_column_is_one_file_level_error(tmp_path: Path) -> None:
    rows = [["题？", "甲", "乙", "A"]] * 3
    path = write_xlsx(tmp_path / "bank.xlsx", rows, header=["题干", "选项A", "选项B", "答案"])
    report = parse_file(path)
    assert _codes(report.errors) == [("Sheet1", 0, "题型", "missing_column")]
    assert report.errors[0].params == {"column": "题型"}
    assert report.drafts == []


def test_every_sheet_with_a_header_is_read_and_others_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bank.xlsx"
    workbook = Workbook()
    first = workbook.active
    first.title = "单选"
    for line in (HEADER, good_rows()[0]):
        first.append(line)
    notes = workbook.create_sheet("说明")
    notes.append(["题型", "请按模板填写"])
    second = workbook.create_sheet("判断")
    for line in (HEADER, good_rows()[2]):
        second.append(line)
    workbook.save(path)
    report = parse_file(path)
    assert report.errors == []
    assert [(d.sheet, d.row) for d in report.drafts] == [("单选", 2), ("判断", 2)]


def test_formula_cell_is_reported_with_its_place(tmp_path: Path) -> None:
    rows = [good_rows()[0], row(type="单选", stem="1+1=?", A="1", B="2", answer="=CHAR(66)")]
    report = parse_file(write_xlsx(tmp_path / "bank.xlsx", rows))
    assert _codes(report.errors) == [("Sheet1", 3, "答案", "formula_cell")]
    assert report.errors[0].params == {"formula": "=CHAR(66)"}
    assert len(report.drafts) == 1


def test_numbers_in_cells_read_as_typed(tmp_path: Path) -> None:
    rows = [row(type="填空", stem="质量月始于____年。", answer=1978, points=2.0, difficulty=3)]
    draft = parse_file(write_xlsx(tmp_path / "bank.xlsx", rows)).drafts[0]
    assert (draft.answer, draft.points, draft.difficulty) == ([["1978"]], 2.0, 3)


def test_damaged_xlsx_cannot_be_opened(tmp_path: Path) -> None:
    report = parse_file(b"not a zip file", filename="bank.xlsx")
    assert _codes(report.errors) == [("bank.xlsx", 0, "", "cannot_open")]


def test_workbook_without_a_header_is_not_a_table(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "bank.xlsx", [["x", "y"]], header=["姓名", "工号"])
    assert _codes(parse_file(path).errors) == [("bank.xlsx", 0, "", "not_a_table")]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encoding_is_detected(encoding: str) -> None:
    report = parse_file(csv_bytes(good_rows(), encoding=encoding), filename="题库.csv")
    assert report.errors == []
    assert [d.row for d in report.drafts] == [2, 3, 4, 5]
    assert report.drafts[0].stem == "全国质量月始于哪一年？"
    assert report.drafts[0].sheet == "题库.csv"


def test_csv_that_is_neither_utf8_nor_gbk_reports_the_byte_offset() -> None:
    data = "题型,题干\n".encode() + b"\xff\xfe\xff"
    report = parse_file(data, filename="bank.csv")
    assert _codes(report.errors) == [("bank.csv", 0, "", "cannot_decode")]
    assert report.errors[0].params == {"offset": len("题型,题干\n".encode())}


def test_decode_prefers_utf8_and_falls_back_to_gb18030() -> None:
    assert decode("质量".encode()) == ("质量", -1)
    assert decode("\ufeff质量".encode()) == ("质量", -1)
    assert decode("质量".encode("gbk")) == ("质量", -1)


def test_tab_separated_csv_is_read() -> None:
    report = parse_file(csv_bytes(good_rows(), delimiter="\t"), filename="bank.csv")
    assert report.errors == [] and len(report.drafts) == 4


def test_json_object_with_name_and_option_objects() -> None:
    document = {"name": "质量月题库", "questions": [
        {"type": "单选", "stem": "哪年？", "options": {"A": "1960", "B": "1978"}, "answer": "B",
         "tags": ["历史", "起源"], "points": 2, "difficulty": "中"},
        {"type": "多选", "stem": "哪些？", "options": ["甲", "乙", "丙"], "answer": ["A", "C"]},
        {"type": "填空", "stem": "__年__月", "answer": [["1960", "1960年"], "11"]},
        {"type": "判断", "stem": "对吗？", "answer": True},
    ]}  # fmt: skip
    report = parse_file(json_bytes(document), filename="bank.json")
    assert report.errors == []
    assert report.name == "质量月题库"
    assert [d.answer for d in report.drafts] == [[1], [0, 2], [["1960", "1960年"], ["11"]], [True]]
    assert report.drafts[0].tags == ["历史", "起源"]
    assert [d.row for d in report.drafts] == [1, 2, 3, 4]


def test_json_list_of_rows_with_spreadsheet_keys() -> None:
    document = [{"题型": "判断", "题干": "对吗？", "答案": "错", "选项A": ""}]
    report = parse_file(json_bytes(document), filename="bank.json")
    assert report.errors == [] and report.drafts[0].answer == [False]


def test_json_errors_name_the_key_as_written() -> None:
    document = [{"type": "单选", "stem": "哪年？", "options": {"A": "1960", "B": "1978"},
                 "answer": "C"}]  # fmt: skip
    report = parse_file(json_bytes(document), filename="bank.json")
    assert _codes(report.errors) == [("bank.json", 1, "answer", "answer_not_in_options")]


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"{not json", "bad_json"), (b'{"questions": 3}', "not_a_table"), (b"[1, 2]", "not_a_table")],
)
def test_json_that_is_not_a_bank(data: bytes, code: str) -> None:
    assert [e.code for e in parse_file(data, filename="bank.json").errors] == [code]


def test_json_missing_required_key_everywhere() -> None:
    report = parse_file(json_bytes([{"stem": "x", "answer": "对"}]), filename="b.json")
    assert _codes(report.errors) == [("b.json", 0, "题型", "missing_column")]


@pytest.mark.parametrize("name", ["bank.xls", "bank.doc", "bank.pdf", "bank"])
def test_unsupported_extension_is_a_usage_error(name: str) -> None:
    with pytest.raises(UnsupportedFormat):
        read_table(b"", filename=name)


@pytest.mark.parametrize("extension", [".xlsx", ".csv", ".json"])
def test_written_files_read_back_identically(tmp_path: Path, extension: str) -> None:
    extra = {
        "type": "单选",
        "stem": "=SUM(A1:A2) 是公式吗？",
        "options": ["-1", "@x"],
        "answer": "a",
    }
    drafts = parse_file(write_xlsx(tmp_path / "in.xlsx", good_rows())).drafts
    drafts += parse_file(json_bytes([extra]), filename="x.json").drafts
    assert len(drafts) == 5
    out = tmp_path / f"out{extension}"
    write_questions(out, {"质量月": drafts})
    again = parse_file(out)
    assert again.errors == []
    assert [d.content_hash for d in again.drafts] == [d.content_hash for d in drafts]


def _formula_like_drafts() -> list[QuestionDraft]:
    document = [{"type": "单选", "stem": "=1+1", "options": ["甲", "乙"], "answer": "A"}]
    return parse_file(json_bytes(document), filename="in.json").drafts


def test_exported_xlsx_keeps_formula_like_text_as_text(tmp_path: Path) -> None:
    write_questions(tmp_path / "out.xlsx", {"s": _formula_like_drafts()})
    cell = load_workbook(tmp_path / "out.xlsx")["s"]["B2"]
    assert (cell.value, cell.data_type) == ("=1+1", "s")
    assert parse_file(tmp_path / "out.xlsx").drafts[0].stem == "=1+1"


def test_exported_csv_escapes_formula_starts(tmp_path: Path) -> None:
    write_questions(tmp_path / "out.csv", {"s": _formula_like_drafts()})
    text = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert "'=1+1" in text
    assert parse_file(tmp_path / "out.csv").drafts[0].stem == "=1+1"
