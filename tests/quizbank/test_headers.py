"""Spreadsheets from other exam platforms: their headers, numbered options, options in
one cell, and the columns we do not read said out loud."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizbank.formats import RowError
from quizbank.formats.options import options_cell, split_options
from quizbank.models import QuestionType
from quizbank.validation import parse_file
from tests.quizbank.bank_files import csv_bytes, json_bytes, write_xlsx

PLATFORM_HEADER = ["试题类型", "试题内容", "选项A", "选项B", "选项C", "选项D", "标准答案",
                   "试题解析", "试题分值", "难易程度", "所属分类"]  # fmt: skip


def _codes(errors: list[RowError]) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.code) for e in errors]


def test_another_platforms_export_imports_with_every_field(tmp_path: Path) -> None:
    rows = [
        ["单选题", "全国质量月始于哪一年？", "1960年", "1978年", "1988年", "2001年", "B",
         "1978年首次开展。", 1, "简单", "质量月历史"],
        ["多选题", "PDCA包括哪些阶段？", "计划", "执行", "检查", "处置", "ABCD", "", 2,
         "一般", "PDCA"],
        ["判断题", "排列图用于找出主要因素。", None, None, None, None, "正确", "", 1, "困难",
         "QC七大手法"],
        ["不定项选择题", "下列属于质量管理原则的是？", "以顾客为关注焦点", "领导作用",
         "全员积极参与", "成本最低", "ABC", "", 3, "较易", "ISO 9000"],
    ]  # fmt: skip
    report = parse_file(write_xlsx(tmp_path / "export.xlsx", rows, header=PLATFORM_HEADER))
    assert report.errors == [] and report.notices == []
    single, multiple, true_false, indefinite = report.drafts
    assert (single.type, single.answer, single.explanation, single.points) == (
        QuestionType.SINGLE, [1], "1978年首次开展。", 1.0)  # fmt: skip
    assert (single.difficulty, single.category) == (1, "质量月历史")
    assert (multiple.type, multiple.answer, multiple.difficulty) == (
        QuestionType.MULTIPLE, [0, 1, 2, 3], 2)  # fmt: skip
    assert (true_false.answer, true_false.difficulty) == ([True], 3)
    assert (indefinite.type, indefinite.points, indefinite.difficulty) == (
        QuestionType.MULTIPLE, 3.0, 1)  # fmt: skip


@pytest.mark.parametrize(
    "options",
    [["选项1", "选项2", "选项3", "选项4"], ["选项一", "选项二", "选项三", "选项四"],
     ["选项Ⅰ", "选项Ⅱ", "选项Ⅲ", "选项Ⅳ"], ["选项１", "选项２", "选项３", "选项４"]],
)  # fmt: skip
def test_numbered_option_columns_are_the_options_in_order(
    tmp_path: Path, options: list[str]
) -> None:
    header = ["题型", "题干", *options, "答案"]
    rows = [["单选", "质量月在几月？", "七月", "八月", "九月", "十月", "C"]]
    report = parse_file(write_xlsx(tmp_path / "b.xlsx", rows, header=header))
    assert report.errors == [] and report.notices == []
    assert (report.drafts[0].options, report.drafts[0].answer) == (
        ["七月", "八月", "九月", "十月"], [2])  # fmt: skip


@pytest.mark.parametrize(
    "cell",
    ["A.七月 B.八月 C.九月 D.十月", "A．七月　B．八月　C．九月　D．十月",
     "A、七月B、八月C、九月D、十月", "(A)七月 (B)八月 (C)九月 (D)十月",
     "A.七月\nB.八月\nC.九月\nD.十月", "七月\n八月\n九月\n十月", "七月|八月|九月|十月"],
)  # fmt: skip
def test_options_in_one_cell(tmp_path: Path, cell: str) -> None:
    rows = [["单选", "质量月在几月？", cell, "C"]]
    path = write_xlsx(tmp_path / "b.xlsx", rows, header=["题型", "题干", "选项", "答案"])
    report = parse_file(path)
    assert report.errors == []
    assert report.drafts[0].options == ["七月", "八月", "九月", "十月"]


def test_an_option_that_quotes_a_letter_is_not_split() -> None:
    split = split_options("A.计划（P） B.执行（D） C.检查（C） D.处置（A）")
    assert [text for _, text in split.options] == [
        "计划（P）",
        "执行（D）",
        "检查（C）",
        "处置（A）",
    ]
    assert options_cell("ISO 9001B.C 认证") == (["ISO 9001B.C 认证"], "")


def test_problems_with_the_options_cell_are_reported_in_that_column(tmp_path: Path) -> None:
    header = ["题型", "题干", "备选答案", "选项A", "选项B", "答案"]
    rows = [["单选", "甲？", "A.甲 B.乙", "丙", "丁", "A"],
            ["单选", "乙？", "请选：A.甲 B.乙", "", "", "A"],
            ["单选", "丙？", "A.甲 B.乙 C.丙", "", "", "D"]]  # fmt: skip
    report = parse_file(write_xlsx(tmp_path / "b.xlsx", rows, header=header))
    assert _codes(report.errors) == [
        (2, "备选答案", "options_in_two_places"),
        (3, "备选答案", "text_before_options"),
        (4, "答案", "answer_not_in_options"),
    ]
    assert report.errors[1].params == {"text": "请选："}
    assert report.drafts == []


def test_unknown_columns_are_noticed_with_a_suggestion_and_import_anyway(tmp_path: Path) -> None:
    header = ["序号", "题型", "题干", "选项A", "选项B", "答案", "答案解释", "备注", "正确答案"]
    rows = [[1, "单选", "哪年？", "1960", "1978", "B", "首次开展。", "王工出题", "B"]]
    report = parse_file(write_xlsx(tmp_path / "b.xlsx", rows, header=header))
    assert report.errors == [] and len(report.drafts) == 1
    assert [(n.row, n.column, n.code, n.params) for n in report.notices] == [
        (1, "答案解释", "ignored_column_suggest", {"column": "答案解释", "suggestion": "解析"}),
        (1, "备注", "ignored_column", {"column": "备注"}),
        (1, "正确答案", "duplicate_column", {"first": "答案"}),
    ]
    assert report.notices[0].describe("zh") == (
        "工作表 Sheet1 第1行 [答案解释]: 未识别的列“答案解释”，已忽略；"
        "如果它是“解析”，请把列名改为“解析”"
    )
    assert 'rename it to "解析"' in report.notices[0].describe("en")


def test_no_suggestion_for_a_field_the_file_already_has(tmp_path: Path) -> None:
    header = ["题型", "题干", "选项A", "选项B", "答案", "解析", "答案解释"]
    rows = [["单选", "哪年？", "1960", "1978", "B", "首次开展。", "另一说明"]]
    report = parse_file(write_xlsx(tmp_path / "b.xlsx", rows, header=header))
    assert [n.code for n in report.notices] == ["ignored_column"]


def test_csv_with_platform_headers_and_options_in_one_cell() -> None:
    header = ["题目类型", "题目内容", "选项内容", "正确选项", "答案解析", "分数", "难度等级",
              "知识点"]  # fmt: skip
    rows = [["单选题", "哪年？", "A.1960年 B.1978年", "B", "首次。", "2", "中", "历史"]]
    report = parse_file(csv_bytes(rows, header=header, encoding="gbk"), filename="b.csv")
    assert report.errors == []
    draft = report.drafts[0]
    assert (draft.options, draft.answer, draft.points, draft.category) == (
        ["1960年", "1978年"], [1], 2.0, "历史")  # fmt: skip


def test_json_options_as_one_string() -> None:
    document = [{"type": "单选", "stem": "哪年？", "options": "A.1960年 B.1978年", "answer": "B"}]
    report = parse_file(json_bytes(document), filename="b.json")
    assert report.errors == [] and report.drafts[0].options == ["1960年", "1978年"]
