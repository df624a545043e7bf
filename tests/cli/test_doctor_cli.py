"""``doctor`` exits 1 with the list of problems and advice, without any network."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app


def test_doctor_lists_problems_and_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", "123456789:not-a-real-token")
    monkeypatch.setenv("TELEGRAM_API_SERVER", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'none.db'}")
    monkeypatch.setenv("TIMEZONE", "Mars/Olympus_Mons")
    monkeypatch.delenv("ADMIN_IDS", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 1, result.output
    out = result.output
    assert "FAIL  config" in out and "TIMEZONE" in out
    assert "FAIL  token" in out and "FAIL  bot_api" in out and "cannot reach" in out
    assert "FAIL  database" in out and "python main.py db upgrade" in out
    assert "FAIL  admins" in out
    assert "problem(s) to fix" in out
    assert not (tmp_path / "none.db").exists()
