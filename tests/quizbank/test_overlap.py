"""Near-duplicate questions across sets, found at import; the organiser imports them anyway or
leaves them out (issue 23: the Word bank repeated the Excel bank's 'QC七大手法')."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from cli.app import app
from quizbank.formats import ImportRejected
from quizbank.models import Question
from quizbank.overlap import Stored, find_overlaps, fold, overlap_lines
from quizbank.service import import_questions
from quizbank.validation import parse_file
from storage.migrate import alembic_config
from tests.quizbank.bank_files import csv_bytes, docx_bytes, write_xlsx
from tests.turns import turn

HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案"]
EXCEL = [
    ["多选题", "QC七大手法包括下列哪些？", "鱼骨图", "甘特图", "控制图", "排列图", "ACD"],
    ["判断题", "PDCA循环又称戴明环。", None, None, None, None, "对"],
    ["填空题", "全国质量月始于____年。", None, None, None, None, "1978"],
    ["单选题", "ISO 9001 是哪类标准？", "质量管理体系", "环境管理体系", None, None, "A"],
]
WORD = [
    "一、多选题",
    "1. QC 七大手法包括下列哪些（ ）",  # other spacing and brackets, options shuffled…
    "A. 排列图 B. 鱼骨图 C. 甘特图 D. 控制图",
    "答案：AB",  # …and another answer: a conflict
    "二、判断题",
    "1. PDCA 循环又称“戴明环”",
    "答案：对",
    "三、填空题",
    "1. 全国质量月开始于（ ）年。",  # one word changed: nearly the same
    "答案：1978年",
    "四、单选题",
    "1. 六西格玛管理起源于哪家公司？",
    "A. 摩托罗拉 B. 通用电气",
    "答案：A",
]


def test_folding_keeps_only_what_the_question_says() -> None:
    assert fold("QC 七大手法包括下列哪些（ ）") == fold("QC七大手法包括下列哪些？")
    assert fold("全国质量月始于____年。") == "全国质量月始于年"


async def _excel_set(session: AsyncSession, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "excel.xlsx", EXCEL, header=HEADER)
    await turn(session, import_questions(session, set_name="Excel题库", report=parse_file(path)))
    await session.commit()  # as the edge does


async def test_word_bank_repeating_the_excel_bank_is_reported(
    session: AsyncSession, tmp_path: Path
) -> None:
    await _excel_set(session, tmp_path)
    report = parse_file(docx_bytes(WORD), filename="word.docx")
    result = await turn(session, import_questions(session, set_name="Word题库", report=report))
    found = {o.stem: o for o in result.overlaps}
    assert set(found) == {
        "QC 七大手法包括下列哪些（ ）",
        "PDCA 循环又称“戴明环”",
        "全国质量月开始于（ ）年。",
    }
    tools = found["QC 七大手法包括下列哪些（ ）"]
    assert (tools.other_set, tools.similarity, tools.conflict) == ("Excel题库", 1.0, True)
    assert (tools.mine, tools.theirs) == ("排列图、鱼骨图", "鱼骨图、控制图、排列图")
    assert not found["PDCA 循环又称“戴明环”"].conflict
    year = found["全国质量月开始于（ ）年。"]
    # A worker typing 1978年 scores with one copy and not the other: worth saying.
    assert 0.85 <= year.similarity < 1 and (year.mine, year.theirs) == ("1978年", "1978")
    assert (result.created, result.skipped_overlaps) == (4, 0)  # imported anyway by default
    text = "\n".join(overlap_lines(result.overlaps, "zh", shown=10))
    assert "与其他题库重复的题目 3 道（其中答案不一致 2 道）" in text
    assert "答案却不同（本文件：排列图、鱼骨图；已有：鱼骨图、控制图、排列图）" in text
    assert "第2段" in text


async def test_the_organiser_may_leave_the_repeats_out(
    session: AsyncSession, tmp_path: Path
) -> None:
    await _excel_set(session, tmp_path)
    report = parse_file(docx_bytes(WORD), filename="word.docx")
    result = await turn(
        session, import_questions(session, set_name="Word题库", report=report, skip_overlaps=True)
    )
    assert (result.created, result.skipped_overlaps) == (1, 3)
    stems = await session.scalars(select(Question.stem).where(Question.set_id == result.set_id))
    assert list(stems) == ["六西格玛管理起源于哪家公司？"]
    # Re-importing into the same set compares with the other sets only.
    again = await turn(session, import_questions(session, set_name="Word题库", report=report))
    assert len(again.overlaps) == 3 and again.created == 3


async def test_skipping_everything_imports_nothing(session: AsyncSession, tmp_path: Path) -> None:
    await _excel_set(session, tmp_path)
    copy = parse_file(write_xlsx(tmp_path / "copy.xlsx", EXCEL, header=HEADER))
    with pytest.raises(ImportRejected) as rejected:
        await import_questions(session, set_name="副本", report=copy, skip_overlaps=True)
    assert [e.code for e in rejected.value.errors] == ["all_duplicates"]
    await session.rollback()
    assert await session.scalar(select(func.count()).select_from(Question)) == 4


def test_a_big_bank_is_compared_by_its_rarest_pairs() -> None:
    """50,000 stored stems: every near copy is found, nothing else (no timing asserted)."""
    stored = [
        Stored("旧", "true_false", f"第{i}条质量规定要求班组每日检查设备{i % 97}次", [], [True])
        for i in range(50_000)
    ]
    drafts = parse_file(
        csv_bytes(
            [
                ["判断题", "第123条质量规定要求班组每日检查设备26次。", "错"],
                ["判断题", "完全不同的一道新题目", "对"],
            ],
            header=["题型", "题干", "答案"],
        ),
        filename="new.csv",
    ).drafts
    (only,) = find_overlaps(drafts, stored)
    assert only.other_stem == "第123条质量规定要求班组每日检查设备26次" and only.conflict


def test_bank_import_on_the_command_line_lists_and_skips_repeats(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    command.stamp(alembic_config(database_url), "head")
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()
    excel = write_xlsx(tmp_path / "excel.xlsx", EXCEL, header=HEADER)
    word = tmp_path / "word.docx"
    word.write_bytes(docx_bytes(WORD))
    assert runner.invoke(app, ["bank", "import", str(excel)]).exit_code == 0
    skipped = runner.invoke(app, ["bank", "import", str(word), "--skip-duplicates"])
    assert skipped.exit_code == 0, skipped.output
    assert "与其他题库重复的题目 3 道" in skipped.output
    assert "跳过了重复题 3 道" in skipped.output and "新增 1" in skipped.output
    shown = runner.invoke(app, ["bank", "import", str(word), "--set", "看看"])
    assert shown.exit_code == 0 and "加 --skip-duplicates 可跳过这些题" in shown.output
    assert "与其他题库重复的题目 4 道" in shown.output and "新增 4" in shown.output
    nothing = runner.invoke(
        app, ["bank", "import", str(excel), "--set", "又一份", "--skip-duplicates"]
    )
    assert nothing.exit_code == 1 and "跳过重复题后没有可导入的题目" in nothing.output
