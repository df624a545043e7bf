"""CLI commands print their result, not Alembic's migration chatter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_cli_commands_print_their_result_without_migration_chatter(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}",
        "LOG_LEVEL": "INFO",
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "contest", "list"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "No competitions yet" in done.stdout
    assert "alembic" not in done.stderr.lower() and "Context impl" not in done.stderr
