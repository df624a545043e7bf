"""``run`` and ``scheduler`` refuse to start without a token (usage error, exit 2)."""

import pytest
from typer.testing import CliRunner

from cli.app import app


@pytest.mark.parametrize("command", ["run", "scheduler"])
def test_missing_token_is_a_usage_error(
    command: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    result = CliRunner().invoke(app, [command])
    assert result.exit_code == 2
    assert "BOT_TOKEN" in result.output


def test_no_arguments_shows_help_and_usage_exit() -> None:
    result = CliRunner().invoke(app, [])
    assert result.exit_code == 2
    assert "bank" in result.output and "contest" in result.output
