"""Question rules: every answer encoding, every error code with its exact place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from i18n import catalogue, t
from quizbank.formats import RowError
from quizbank.formats.values import (
    BadValue,
    parse_blank_answer,
    parse_choice_letters,
    parse_difficulty,
    parse_points,
    parse_true_false,
    parse_type,
    split_tags,
)
from quizbank.models import QuestionType
from quizbank.validation import ValidationReport, parse_file, question_key
from tests.quizbank.bank_files import good_rows, json_bytes, row, write_xlsx


def _report(tmp_path: Path, rows: list[list[Any]]) -> ValidationReport:
    return parse_file(write_xlsx(tmp_path / "bank.xlsx", rows))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("单选", QuestionType.SINGLE), ("单项选择题", QuestionType.SINGLE),
        (" Single ", QuestionType.SINGLE), ("多选题", QuestionType.MULTIPLE),
        ("多项选择题", QuestionType.MULTIPLE), ("MULTIPLE", QuestionType.MULTIPLE),
        ("判断", QuestionType.TRUE_FALSE), ("true_false", QuestionType.TRUE_FALSE),
        ("填空题", QuestionType.BLANK), ("ｂｌａｎｋ", QuestionType.BLANK),
    ],
)  # fmt: skip
def test_type_names(text: str, expected: QuestionType) -> None:
    assert parse_type(text) is expected


@pytest.mark.parametrize(
    "text", ["AB", "A,B", "A，B", "A、B", "A B", "ab", "ＡＢ", "B A", "A;B", "A,B,"]
)
def test_choice_answer_encodings(text: str) -> None:
    assert parse_choice_letters(text, 4) == [0, 1]


@pytest.mark.parametrize("text", ["对", "正确", "√", "✓", "T", "true", "TRUE", "Y", "是", "ｔ"])
def test_true_answers(text: str) -> None:
    assert parse_true_false(text) is True


@pytest.mark.parametrize("text", ["错", "错误", "×", "✗", "F", "false", "N", "否", "x"])
def test_false_answers(text: str) -> None:
    assert parse_true_false(text) is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1978", [["1978"]]),
        ("1978|1978年", [["1978", "1978年"]]),
        ("1978｜1978年；11|十一", [["1978", "1978年"], ["11", "十一"]]),
        (" 计划 ; 执行 ;", [["计划"], ["执行"]]),
    ],
)
def test_blank_answer_encodings(text: str, expected: list[list[str]]) -> None:
    assert parse_blank_answer(text) == expected


def test_defaults_for_points_and_difficulty() -> None:
    assert parse_points("", QuestionType.SINGLE) == 1
    assert parse_points("", QuestionType.MULTIPLE) == 2
    assert parse_points("3分", QuestionType.SINGLE) == 3
    assert parse_points("1.5", QuestionType.BLANK) == 1.5
    assert [parse_difficulty(x) for x in ("", "易", "中", "难", "1", "3", "hard")] == [
        2, 1, 2, 3, 1, 3, 3,
    ]  # fmt: skip


def test_tags_split_on_every_separator() -> None:
    assert split_tags("质量月,PDCA，ISO、标准;计量；七大 手法 质量月") == [
        "质量月", "PDCA", "ISO", "标准", "计量", "七大", "手法",
    ]  # fmt: skip


def test_bad_values_carry_a_code() -> None:
    with pytest.raises(BadValue) as caught:
        parse_choice_letters("E", 4)
    assert (caught.value.code, caught.value.params) == (
        "answer_not_in_options", {"answer": "E", "letters": "ABCD"},
    )  # fmt: skip


def test_drafts_hold_the_canonical_answer_and_all_fields(tmp_path: Path) -> None:
    drafts = _report(tmp_path, good_rows()).drafts
    assert [d.answer for d in drafts] == [[1], [0, 1, 2, 3], [True], [["1978", "1978年"]]]
    single = drafts[0]
    assert single.options == ["1960年", "1978年", "1988年"]
    assert (single.points, single.difficulty, single.category) == (1, 1, "质量月历史")
    assert (single.tags, single.source) == (["历史", "质量月"], "质量月资料")
    assert drafts[2].points == 1 and drafts[2].options == []


def test_key_ignores_width_and_spacing_but_content_hash_sees_every_change(tmp_path: Path) -> None:
    assert question_key(QuestionType.SINGLE, "ＰＤＣＡ 是 什么？") == question_key(
        QuestionType.SINGLE, "PDCA  是 什么? "
    )
    assert question_key(QuestionType.SINGLE, "x") != question_key(QuestionType.MULTIPLE, "x")
    first = _report(tmp_path, good_rows()).drafts[0]
    changed = good_rows()[:1]
    changed[0][7] = "新的解析"
    second = parse_file(write_xlsx(tmp_path / "b.xlsx", changed)).drafts[0]
    assert first.key == second.key
    assert first.content_hash != second.content_hash


_S = {"type": "单选", "stem": "哪个？", "A": "甲", "B": "乙"}
ERROR_CASES: list[tuple[dict[str, Any], str, str, dict[str, Any]]] = [
    (_S | {"stem": "", "answer": "A"}, "题干", "empty_stem", {}),
    (_S | {"type": "问答题", "answer": "A"}, "题型", "unknown_type", {"value": "问答题"}),
    (_S | {"answer": "C"}, "答案", "answer_not_in_options", {"answer": "C", "letters": "AB"}),
    (_S | {"B": None, "answer": "A"}, "选项A", "too_few_options", {"count": 1}),
    (_S | {"C": " 甲", "answer": "A"}, "选项C", "duplicate_options", {"first": "A", "second": "C"}),
    (_S | {"answer": "A,B"}, "答案", "single_with_several_answers", {"answer": "A,B"}),
    (_S | {"type": "判断", "answer": "对"}, "选项A", "options_on_true_false", {}),
    (_S | {"type": "填空", "stem": "__", "answer": "甲"}, "选项A", "options_on_blank", {}),
    ({"type": "判断", "stem": "对吗", "answer": "可能"}, "答案", "bad_true_false_answer",
     {"value": "可能"}),
    (_S | {"answer": "A", "points": 0}, "分值", "non_positive_points", {"value": "0"}),
    (_S | {"answer": "A", "points": -2}, "分值", "non_positive_points", {"value": "-2"}),
    (_S | {"answer": "A", "points": "两分"}, "分值", "bad_points", {"value": "两分"}),
    (_S | {"answer": "A", "difficulty": "超难"}, "难度", "bad_difficulty", {"value": "超难"}),
    (_S | {"stem": "题" * 1001, "answer": "A"}, "题干", "stem_too_long",
     {"length": 1001, "limit": 1000}),
    (_S | {"B": "长" * 61, "answer": "A"}, "选项B", "option_too_long",
     {"letter": "B", "length": 61, "limit": 60}),
    ({"type": "填空", "stem": "____和____", "answer": "甲"}, "答案", "blank_count_mismatch",
     {"in_stem": 2, "in_answer": 1}),
    ({"type": "填空", "stem": "（）", "answer": "甲;乙"}, "答案", "blank_count_mismatch",
     {"in_stem": 1, "in_answer": 2}),
    (_S | {"answer": ""}, "答案", "empty_answer", {}),
    ({"type": "判断", "stem": "对吗", "answer": " "}, "答案", "empty_answer", {}),
    ({"type": "填空", "stem": "__", "answer": "|"}, "答案", "empty_answer", {}),
    (_S | {"B": None, "C": "丙", "answer": "A"}, "选项B", "option_gap", {"letter": "B"}),
    (_S | {"answer": "A", "category": "类" * 101}, "分类", "field_too_long",
     {"length": 101, "limit": 100}),
]  # fmt: skip


@pytest.mark.parametrize(("values", "column", "code", "params"), ERROR_CASES,
                         ids=[case[2] for case in ERROR_CASES])  # fmt: skip
def test_each_error_names_sheet_row_column_and_code(
    tmp_path: Path, values: dict[str, Any], column: str, code: str, params: dict[str, Any]
) -> None:
    report = _report(tmp_path, [good_rows()[0], [], row(**values)])
    assert report.errors == [RowError("Sheet1", 4, column, code, params)]
    assert len(report.drafts) == 1


def test_every_problem_of_a_row_is_reported_at_once(tmp_path: Path) -> None:
    bad = row(type="单选", stem="", A="甲", B="甲", answer="E", points="x", difficulty="?")
    report = _report(tmp_path, [bad])
    assert {(e.row, e.column, e.code) for e in report.errors} == {
        (2, "题干", "empty_stem"), (2, "选项B", "duplicate_options"),
        (2, "答案", "answer_not_in_options"), (2, "分值", "bad_points"),
        (2, "难度", "bad_difficulty"),
    }  # fmt: skip
    assert report.drafts == []


def test_duplicate_question_points_at_the_first_row(tmp_path: Path) -> None:
    rows = [*good_rows(), good_rows()[0]]
    rows[-1][1] = " 全国质量月始于哪一年? "  # spacing and width differ, same question
    report = _report(tmp_path, rows)
    assert report.errors == [
        RowError(
            "Sheet1", 6, "题干", "duplicate_question", {"first_sheet": "Sheet1", "first_row": 2}
        )
    ]
    assert len(report.drafts) == 4


def test_too_many_options_in_json() -> None:
    question = {"type": "多选", "stem": "x", "options": list("一二三四五六七八九"), "answer": "A"}
    report = parse_file(json_bytes([question]), filename="b.json")
    assert [(e.row, e.code, e.params) for e in report.errors] == [
        (1, "too_many_options", {"count": 9, "limit": 8})
    ]


def test_stem_without_blank_marker_takes_a_one_blank_answer(tmp_path: Path) -> None:
    report = _report(tmp_path, [row(type="填空", stem="质量月在几月？", answer="9|九")])
    assert report.errors == [] and report.drafts[0].answer == [["9", "九"]]


def test_empty_file_has_no_questions(tmp_path: Path) -> None:
    report = _report(tmp_path, [])
    assert [e.code for e in report.errors] == ["no_questions"]


def test_error_messages_in_both_languages_with_place() -> None:
    error = RowError(
        "Sheet1", 5, "答案", "answer_not_in_options", {"answer": "E", "letters": "ABCD"}
    )
    assert error.describe("zh") == "工作表 Sheet1 第5行 [答案]: 答案“E”不在选项中（可选：ABCD）"
    assert error.describe("en").startswith('Sheet Sheet1 row 5 [答案]: Answer "E"')
    whole = RowError("bank.csv", 0, "", "cannot_decode", {"offset": 7})
    assert "bank.csv" in whole.describe("zh") and "7" in whole.describe("en")


def test_every_error_code_has_text_in_both_languages() -> None:
    codes = {case[2] for case in ERROR_CASES} | {
        "duplicate_question", "too_many_options", "formula_cell", "missing_column",
        "cannot_decode", "cannot_open", "bad_json", "not_a_table", "no_questions",
    }  # fmt: skip
    for lang in ("zh", "en"):
        assert {f"bank.error.{code}" for code in codes} <= set(catalogue(lang))
    assert t("bank.error.empty_stem", "en") != t("bank.error.empty_stem", "zh")
