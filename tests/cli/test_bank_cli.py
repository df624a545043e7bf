"""``bank`` commands end to end through typer, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from typer.testing import CliRunner

from cli.app import app
from quizbank.service import demo_bank_path
from storage.migrate import alembic_config
from tests.quizbank.bank_files import docx_bytes, good_rows, row, write_xlsx

runner = CliRunner()


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test database (schema built from the models), stamped so the CLI's upgrade is a no-op."""
    command.stamp(alembic_config(database_url), "head")
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


def _bank(args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, ["bank", *args])
    return result.exit_code, result.output


def test_validate_reports_counts_and_every_error_with_its_place(tmp_path: Path) -> None:
    rows = [*good_rows(), row(type="单选", stem="坏题", A="甲", B="乙", answer="C")]
    code, output = _bank(["validate", str(write_xlsx(tmp_path / "b.xlsx", rows))])
    assert code == 1
    assert "有效题目：4 道" in output
    assert "工作表 Sheet1 第6行 [答案]: 答案“C”不在选项中（可选：AB）" in output
    code, output = _bank(["validate", str(tmp_path / "b.xlsx"), "--lang", "en"])
    assert code == 1 and "Sheet Sheet1 row 6 [答案]" in output


def test_validate_of_a_good_file_exits_zero(tmp_path: Path) -> None:
    code, output = _bank(["validate", str(write_xlsx(tmp_path / "b.xlsx", good_rows()))])
    assert code == 0 and "未发现问题" in output


@pytest.mark.parametrize("name", ["missing.xlsx", "bank.xls", "bank.doc"])
def test_missing_file_or_unsupported_type_is_a_usage_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name != "missing.xlsx":
        path.write_bytes(b"x")
    for command_name in ("validate", "import"):
        assert _bank([command_name, str(path)])[0] == 2


@pytest.mark.parametrize("name", ["template.xlsx", "题库模板.docx"])
def test_template_writes_a_file_that_validates(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    assert _bank(["template", str(path)])[0] == 0
    code, output = _bank(["validate", str(path)])
    assert code == 0 and "有效题目：4 道" in output
    assert _bank(["template", str(tmp_path / "t.csv")])[0] == 2


def test_import_export_stats_round_trip(cli_db: str, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "质量月.xlsx", good_rows())
    code, output = _bank(["import", str(path)])
    assert code == 0, output
    assert "已导入题库“质量月”" in output and "新增 4" in output
    code, output = _bank(["stats"])
    assert code == 0 and "题目总数：4" in output and "单选题: 1" in output
    out = tmp_path / "export.xlsx"
    assert _bank(["export", str(out), "--set", "质量月"])[0] == 0
    code, output = _bank(["import", str(out), "--set", "质量月"])
    assert code == 0 and "未变 4" in output
    assert _bank(["export", str(tmp_path / "x.xlsx"), "--set", "无此题库"])[0] == 2
    assert _bank(["export", str(tmp_path / "x.txt")])[0] == 2


def test_rejected_import_exits_one_and_imports_nothing(cli_db: str, tmp_path: Path) -> None:
    rows = [*good_rows(), row(type="单选", stem="", A="甲", B="乙", answer="A")]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    code, output = _bank(["import", str(path)])
    assert code == 1
    assert "第6行 [题干]" in output and "未导入任何题目" in output
    assert "题目总数：0" in _bank(["stats"])[1]
    code, output = _bank(["import", str(path), "--skip-invalid", "--set", "部分"])
    assert code == 0 and "新增 4" in output and "跳过有误的行 1" in output


def test_demo_bank_imports_under_its_own_name(cli_db: str) -> None:
    code, output = _bank(["import", str(demo_bank_path())])
    assert code == 0, output
    assert "质量月知识题库" in output
    code, output = _bank(["sets", "--lang", "en"])
    assert code == 0 and "version 1" in output


def test_validate_names_the_columns_it_ignored(tmp_path: Path) -> None:
    header = ["试题类型", "试题内容", "选项1", "选项2", "标准答案", "答案解释"]
    rows = [["单选题", "质量月始于哪一年？", "1960年", "1978年", "B", "1978年首次开展。"]]
    path = write_xlsx(tmp_path / "platform.xlsx", rows, header=header)
    code, output = _bank(["validate", str(path)])
    assert code == 0, output
    assert "有效题目：1 道" in output and "提示（1 条，不影响导入）" in output
    assert "未识别的列“答案解释”，已忽略；如果它是“解析”" in output
    code, output = _bank(["validate", str(path), "--lang", "en"])
    assert 'Unknown column "答案解释" was ignored' in output


WORD_LIKE_BANK = """一、单选题（每题2分）
1. 全国质量月始于哪一年？
A.1960年 B.1978年
2. PDCA循环中的“C”指的是（C）。
A．计划 B．执行 C．检查 D．处置
二、判断题
1. 质量是检验出来的。（×）
参考答案：1.B
"""


def test_validate_and_import_a_gbk_text_and_a_word_bank(cli_db: str, tmp_path: Path) -> None:
    text = tmp_path / "车间题库.txt"
    text.write_bytes(WORD_LIKE_BANK.encode("gbk"))
    code, output = _bank(["validate", str(text)])
    assert code == 0 and "有效题目：3 道" in output and "单选题: 2" in output
    word = tmp_path / "部门题库.docx"
    word.write_bytes(docx_bytes(WORD_LIKE_BANK.splitlines()))
    code, output = _bank(["import", str(word)])
    assert code == 0 and "已导入题库“部门题库”" in output and "新增 3" in output


def test_a_bad_text_bank_is_reported_by_line_in_both_languages(tmp_path: Path) -> None:
    text = tmp_path / "bad.txt"
    text.write_text(WORD_LIKE_BANK.replace("参考答案：1.B", "参考答案：1.E"), encoding="utf-8")
    code, output = _bank(["validate", str(text)])
    assert code == 1 and "文件 bad.txt 第8行 [答案]: 答案“E”不在选项中（可选：AB）" in output
    code, output = _bank(["validate", str(text), "--lang", "en"])
    assert code == 1 and "File bad.txt line 8 [答案]" in output
