"""``db backup`` / ``db restore`` on a SQLite file: confirmation, --yes, bad backups."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'live.db'}")
    monkeypatch.chdir(tmp_path)  # no stray .env
    return CliRunner()


def banks(path: Path) -> int:
    with closing(sqlite3.connect(path)) as connection:
        return int(connection.execute("SELECT count(*) FROM question_set").fetchone()[0])


def test_backup_then_restore_with_confirmation(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(app, ["bank", "template", "t.xlsx"]).exit_code == 0
    assert (
        runner.invoke(app, ["bank", "import", str(ROOT / "quizbank/demo/demo_bank.json")]).exit_code
        == 0
    )
    backed = runner.invoke(app, ["db", "backup", "copy.db"])
    assert backed.exit_code == 0, backed.output
    assert "written to copy.db" in backed.output
    with closing(sqlite3.connect(tmp_path / "live.db")) as connection:
        connection.execute("DELETE FROM question")
        connection.execute("DELETE FROM question_set")
        connection.commit()

    refused = runner.invoke(app, ["db", "restore", "copy.db"], input="n\n")
    assert refused.exit_code == 1 and "Stop the bot" in refused.output
    assert banks(tmp_path / "live.db") == 0

    restored = runner.invoke(app, ["db", "restore", "copy.db"], input="y\n")
    assert restored.exit_code == 0, restored.output
    assert banks(tmp_path / "live.db") == 1
    assert "saved in" in restored.output
    again = runner.invoke(app, ["db", "restore", "copy.db", "--yes"])
    assert again.exit_code == 0 and "[y/N]" not in again.output


def test_restore_of_a_missing_or_damaged_file_changes_nothing(
    runner: CliRunner, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    missing = runner.invoke(app, ["db", "restore", "nothing.db", "--yes"])
    assert missing.exit_code == 1 and "no backup file" in missing.output
    (tmp_path / "junk.db").write_bytes(b"junk" * 1000)
    damaged = runner.invoke(app, ["db", "restore", "junk.db", "--yes"])
    assert damaged.exit_code == 1 and "integrity" in damaged.output
