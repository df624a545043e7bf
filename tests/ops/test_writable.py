"""A database that cannot be written (issue 23): ``main.py run`` says so in plain words and
stops, ``doctor`` finds it with a write that changes nothing."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from ops.doctor.local import check_database
from ops.writable import write_problem
from storage.migrate import upgrade

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def read_only(tmp_path: Path) -> str:
    """A migrated SQLite database, opened read-only (as a file the bot's user may not write)."""
    path = tmp_path / "quiz.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"


@pytest.fixture
def writable(tmp_path: Path) -> Path:
    path = tmp_path / "quiz.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


async def test_a_writable_database_passes_and_keeps_no_trace(writable: Path) -> None:
    path = writable
    url = f"sqlite+aiosqlite:///{path}"
    assert await write_problem(url) is None
    with closing(sqlite3.connect(path)) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "qq_write_probe" not in tables
    finding = await check_database(url)
    assert finding.status == "ok" and "writable" in finding.detail


async def test_the_doctor_finds_a_database_it_cannot_write(read_only: str) -> None:
    finding = await check_database(read_only)
    assert finding.status == "fail"
    assert "cannot be written (attempt to write a readonly database)" in finding.detail


def test_run_stops_in_plain_words(read_only: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", read_only)
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 1
    assert "Cannot start: the database" in result.output
    assert "attempt to write a readonly database" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
