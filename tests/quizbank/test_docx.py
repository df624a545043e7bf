"""Word banks (.docx): paragraphs and soft line breaks, Word's own list numbers,
problems by paragraph, and the round trip through Excel."""

from __future__ import annotations

from pathlib import Path

import docx
from sqlalchemy.ext.asyncio import AsyncSession

from quizbank.formats import write_questions
from quizbank.models import QuestionType
from quizbank.service import export_bank, import_questions
from quizbank.validation import parse_file
from tests.quizbank.bank_files import docx_bytes
from tests.turns import turn

WORD_BANK: list[str | list[str]] = [
    "2026年“质量月”知识竞赛题库",
    "",
    "一、单选题（每题2分）",
    ["1. 我国的全国质量月活动始于哪一年？（ ）", "A.1960年 B.1978年", "C.1988年 D.2001年",
     "答案：B", "解析：1978年9月开展了第一次全国质量月活动。"],
    "2. 质量管理体系标准 ISO 9001 的最新版本发布于（C）年。",
    "A. 2008",
    "B. 2012",
    "C. 2015",
    "二、多选题（每题3分）",
    "1. QC七大手法包括（ ）A.排列图 B.因果图 C.头脑风暴 D.控制图 【答案】ABD",
    "三、判断题（每题1分）",
    "1. 排列图用于找出影响质量的主要因素。（√）",
    "2. 质量是检验出来的。（×）",
    "四、填空题",
    "1. PDCA循环的四个阶段是计划、____、检查、____。",
    "答案：执行；处置",
    "参考答案：",
    "一、1.B 2.C",
]  # fmt: skip


def test_a_word_bank_reads_paragraphs_and_soft_line_breaks() -> None:
    report = parse_file(docx_bytes(WORD_BANK), filename="题库.docx")
    assert report.errors == [] and report.notices == []
    facts = [(d.row, d.type, d.options, d.answer, d.points) for d in report.drafts]
    assert facts == [
        (4, QuestionType.SINGLE, ["1960年", "1978年", "1988年", "2001年"], [1], 2.0),
        (5, QuestionType.SINGLE, ["2008", "2012", "2015"], [2], 2.0),
        (10, QuestionType.MULTIPLE, ["排列图", "因果图", "头脑风暴", "控制图"], [0, 1, 3], 3.0),
        (12, QuestionType.TRUE_FALSE, [], [True], 1.0),
        (13, QuestionType.TRUE_FALSE, [], [False], 1.0),
        (15, QuestionType.BLANK, [], [["执行"], ["处置"]], 2.0),
    ]  # fmt: skip
    assert report.drafts[0].explanation == "1978年9月开展了第一次全国质量月活动。"
    assert report.drafts[1].stem == "质量管理体系标准 ISO 9001 的最新版本发布于（  ）年。"


def test_words_automatic_list_numbers_number_the_questions() -> None:
    data = docx_bytes(["三、判断题"], numbered=["排列图用于找出主要因素。（√）",
                                                "质量是检验出来的。（×）"])  # fmt: skip
    report = parse_file(data, filename="题库.docx")
    assert report.errors == []
    assert [(d.stem, d.answer) for d in report.drafts] == [
        ("排列图用于找出主要因素。", [True]), ("质量是检验出来的。", [False])
    ]  # fmt: skip


def test_problems_are_reported_by_paragraph() -> None:
    paragraphs = [*WORD_BANK[:3], "1. 质量月在几月？", "A.八月", "B.九月", "答案：E"]
    report = parse_file(docx_bytes(paragraphs), filename="题库.docx")
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (7, "答案", "answer_not_in_options")
    ]
    assert report.errors[0].describe("zh").startswith("文件 题库.docx 第7段 [答案]: ")
    assert report.errors[0].describe("en").startswith("File 题库.docx paragraph 7 [答案]: ")
    assert report.drafts == []


def test_a_damaged_or_foreign_file_cannot_be_opened() -> None:
    for data in (b"PK\x03\x04 broken", docx_bytes([])[:200], b"plain text"):
        report = parse_file(data, filename="题库.docx")
        assert [(e.row, e.code) for e in report.errors] == [(0, "cannot_open_docx")]


def test_a_table_is_said_to_be_ignored(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("一、判断题")
    document.add_paragraph("1. 质量是检验出来的。（×）")
    document.add_table(rows=2, cols=3)
    document.save(str(tmp_path / "b.docx"))
    report = parse_file(tmp_path / "b.docx")
    assert report.errors == [] and len(report.drafts) == 1
    assert [(n.code, n.params) for n in report.notices] == [("table_ignored", {"after": 2})]


def test_a_word_bank_exported_to_excel_reads_back_the_same(tmp_path: Path) -> None:
    drafts = parse_file(docx_bytes(WORD_BANK), filename="题库.docx").drafts
    write_questions(tmp_path / "out.xlsx", {"质量月": drafts})
    again = parse_file(tmp_path / "out.xlsx")
    assert again.errors == []
    assert [d.content_hash for d in again.drafts] == [d.content_hash for d in drafts]


async def test_word_import_export_reimport_changes_nothing(
    session: AsyncSession, tmp_path: Path
) -> None:
    report = parse_file(docx_bytes(WORD_BANK), filename="题库.docx")
    first = await turn(session, import_questions(session, report=report, set_name="质量月"))
    assert first.created == 6
    assert await export_bank(session, path=tmp_path / "质量月.xlsx", set_name="质量月") == 6
    again = parse_file(tmp_path / "质量月.xlsx")
    second = await turn(session, import_questions(session, report=again, set_name="质量月"))
    assert (second.created, second.updated, second.unchanged, second.version) == (0, 0, 6, 1)
