"""The dependency rule, read from the import graph: bot, scheduler → contest → quizbank → storage.

Every module of a package may import only the packages listed for it (and itself); the
core imports no framework. ``i18n`` imports nothing of ours and may be used anywhere;
``chat/`` holds what the edges share (the turn), below them and above the core;
``config.py``, ``tables.py`` (the table registry), ``main.py`` and ``cli/`` are top-level
wiring and may import anything, as may Alembic's ``storage/migrations/env.py``, a script
Alembic runs (not a module of ``storage``) that reads the registry in ``tables.py``.
``ops/`` sits with the edges (health, metrics, the doctor). ``web/`` may use the
scheduler's pictures (a browser worker saves the certificate the chat receives).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALLOWED: dict[str, set[str]] = {
    "storage": set(),
    "quizbank": {"storage", "i18n"},
    "contest": {"quizbank", "storage", "i18n"},
    "scheduler": {"contest", "quizbank", "storage", "i18n", "config", "ops"},
    "chat": {"contest", "quizbank", "storage", "i18n", "config", "ops"},
    "bot": {"chat", "contest", "quizbank", "storage", "i18n", "config", "ops", "web"},
    "web": {"chat", "contest", "quizbank", "storage", "i18n", "config", "ops", "scheduler"},
    "ops": {"scheduler", "contest", "quizbank", "storage", "i18n", "config"},
    "i18n": set(),
}
OURS = set(ALLOWED) | {"cli", "config", "tables", "main"}
FRAMEWORKS = {"aiogram", "apscheduler", "aiohttp"}
PURE = {"storage", "quizbank", "contest"}
WIRING = {Path("storage/migrations/env.py")}


def _modules(package: str) -> list[Path]:
    paths = sorted((ROOT / package).rglob("*.py"))
    return [p for p in paths if p.relative_to(ROOT) not in WIRING]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _violations(package: str) -> list[str]:
    found = []
    for path in _modules(package):
        for name in sorted(_imports(path)):
            ours_not_allowed = name in OURS and name != package and name not in ALLOWED[package]
            framework_in_core = package in PURE and name in FRAMEWORKS
            if ours_not_allowed or framework_in_core:
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_the_layers_below_it(package: str) -> None:
    assert _violations(package) == []


def test_the_rule_sees_a_violation() -> None:
    """The walk finds imports at all (a broken walk would pass every package)."""
    assert "storage" in _imports(ROOT / "contest" / "models.py")
    assert "contest" in _imports(ROOT / "scheduler" / "jobs.py")


CONTEXT_PARAMETERS = {"session", "worker", "lang", "clock", "received_at", "actor"}
EVENT_KINDS = {"message", "edited_message", "callback_query", "my_chat_member"}


def _handlers(path: Path) -> list[ast.AsyncFunctionDef]:
    """The aiogram handlers of a module: functions under ``@<router>.<kind>(...)``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncFunctionDef)
        and any(
            isinstance(d, ast.Call)
            and isinstance(d.func, ast.Attribute)
            and d.func.attr in EVENT_KINDS
            for d in node.decorator_list
        )
    ]


def test_telegram_handlers_read_the_turn() -> None:
    """A handler's signature is ``(event, turn)`` (+ callback data, state, bot where needed):
    the session, worker, language, clocks and actor come from the turn, never one by one."""
    found = []
    paths = [*sorted((ROOT / "bot").glob("*.py")), *sorted((ROOT / "bot" / "routers").glob("*.py"))]
    for path in paths:
        for handler in _handlers(path):
            names = {a.arg for a in handler.args.args + handler.args.kwonlyargs}
            if names & CONTEXT_PARAMETERS:
                found.append(
                    f"{path.relative_to(ROOT)}:{handler.name} {sorted(names & CONTEXT_PARAMETERS)}"
                )
    assert len([p for p in paths if _handlers(p)]) > 20  # the walk sees the routers
    assert found == []
