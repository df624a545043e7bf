"""The ``contest`` CLI against a throw-away SQLite file (the CLI runs the Alembic upgrade)."""

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from cli.app import app

EXAMPLE = Path(__file__).resolve().parents[2] / "contest" / "examples" / "contest.yaml"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)  # no stray .env
    return CliRunner()


def test_create_list_open_close_export(runner: CliRunner, tmp_path: Path) -> None:
    # The CLI runs on the real clock: end far in the future so that opening is allowed.
    definition = tmp_path / "contest.yaml"
    text = EXAMPLE.read_text(encoding="utf-8").replace("2026-09-30", "2099-09-30")
    definition.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["contest", "create", str(definition)])
    assert result.exit_code == 0, result.output
    assert "2026-09-01 08:00" in result.output and "Asia/Shanghai" in result.output
    listed = runner.invoke(app, ["contest", "list"])
    assert listed.exit_code == 0 and "1\tscheduled\t2026-09-01 08:00" in listed.output
    assert runner.invoke(app, ["contest", "open", "1"]).exit_code == 0
    refused = runner.invoke(app, ["contest", "archive", "1"])
    assert refused.exit_code == 1 and "bad_transition" not in refused.output
    assert runner.invoke(app, ["contest", "close", "1"]).exit_code == 0
    out = tmp_path / "results.xlsx"
    exported = runner.invoke(app, ["contest", "export", "1", str(out)])
    assert exported.exit_code == 0, exported.output
    assert load_workbook(out).sheetnames[0] == "个人排名"


def test_bad_definition_exits_1_with_the_place_in_words(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("count: 10", "count: -1"), "utf-8")
    result = runner.invoke(app, ["contest", "create", str(bad)])
    assert result.exit_code == 1
    assert "组卷第 1 行的题数：不能小于 1" in result.output
    assert "The number of questions on line 1 of the paper: must be at least 1" in result.output
    assert "rules.composition" not in result.output


def test_unknown_competition_exits_1(runner: CliRunner) -> None:
    result = runner.invoke(app, ["contest", "open", "42"])
    assert result.exit_code == 1 and "42" in result.output


def _roster(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook()
    book.active.append(["姓名", "工号", "部门", "班组"])
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_roster_import_reports_and_rejects(runner: CliRunner, tmp_path: Path) -> None:
    good = _roster(tmp_path / "good.xlsx", [["张三", "E1", "质量部", "一班"]])
    result = runner.invoke(app, ["contest", "roster", str(good)])
    assert result.exit_code == 0 and "新增 1 人" in result.output
    bad = _roster(tmp_path / "bad.xlsx", [["", "E2", "质量部", "一班"]])
    result = runner.invoke(app, ["contest", "roster", str(bad)])
    assert result.exit_code == 1
    assert "第2行 [姓名]" in result.output and "姓名为空" in result.output


def test_teams_lists_join_codes_after_a_roster_import(runner: CliRunner, tmp_path: Path) -> None:
    empty = runner.invoke(app, ["contest", "teams"])
    assert empty.exit_code == 0 and "还没有团队" in empty.output
    good = _roster(
        tmp_path / "r.xlsx", [["张三", "E1", "质量部", "一班"], ["李四", "E2", "质量部", "二班"]]
    )
    assert runner.invoke(app, ["contest", "roster", str(good)]).exit_code == 0
    listed = runner.invoke(app, ["contest", "teams"])
    lines = listed.output.strip().splitlines()
    assert listed.exit_code == 0 and len(lines) == 3
    code, members, name = lines[1].split("\t")
    assert len(code) == 8 and members == "1" and name.strip().endswith("一班")


def test_the_cli_goes_through_the_organiser_actions_and_is_audited(
    runner: CliRunner, tmp_path: Path
) -> None:
    import sqlite3

    definition = tmp_path / "contest.yaml"
    text = EXAMPLE.read_text(encoding="utf-8").replace("2026-09-30", "2099-09-30")
    definition.write_text(text, encoding="utf-8")
    created = runner.invoke(app, ["contest", "create", str(definition), "--by", "李主任"])
    assert created.exit_code == 0
    assert runner.invoke(app, ["contest", "open", "1"]).exit_code == 0
    assert runner.invoke(app, ["contest", "open", "1"]).exit_code == 1
    assert runner.invoke(app, ["schedule", "pause", "announce:1"]).exit_code == 0
    with sqlite3.connect(tmp_path / "cli.db") as db:
        rows = db.execute("SELECT actor_id, action, outcome, detail FROM audit_log ORDER BY id")
        found = [(a, action, outcome, "cli" in detail) for a, action, outcome, detail in rows]
    assert found == [
        (0, "competition.create", "ok", True),
        (0, "competition.open", "ok", True),
        (0, "competition.open", "refused", True),
        (0, "schedule.pause", "ok", True),
    ]
