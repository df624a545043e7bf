"""Fixtures for end-to-end tests: emulator, proxy, the real bot process, a simulated worker.

Every test gets its own emulator, proxy, SQLite file and bot process, all on 127.0.0.1.
When a test fails, the bot's log, the emulator's log and the Bot API calls the bot made
are attached to the report. Without node or the npm package the tests skip locally and
fail under CI (``CI=true``), so a broken CI set-up cannot pass silently.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession

from tests.e2e.bot_process import BOT_TOKEN, BotProcess, bot_env
from tests.e2e.competition_data import CompetitionData, prepare_competition
from tests.e2e.emulator import EmulatorProcess, EmulatorUnavailable, check_emulator_installed
from tests.e2e.proxy import BotApiProxy
from tests.e2e.worker import SimulatedWorker

_REPORT_KEY = pytest.StashKey[dict[str, Path]]()
_PROXY_KEY = pytest.StashKey[BotApiProxy]()


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _require_emulator() -> None:
    try:
        check_emulator_installed()
    except EmulatorUnavailable as exc:
        if _in_ci():
            pytest.fail(f"e2e tests cannot run in CI: {exc}")
        pytest.skip(str(exc))


@pytest.fixture(autouse=True)
def _emulator_installed() -> None:
    _require_emulator()


@pytest.fixture
def logs(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Path]:
    """Log files attached to the report of a failing test."""
    paths: dict[str, Path] = {}
    request.node.stash[_REPORT_KEY] = paths
    return paths


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'quiz.db'}"


@pytest.fixture(scope="session")
def prepared_competition(tmp_path_factory: pytest.TempPathFactory) -> CompetitionData:
    """The organiser's work (CLI imports, create, open), done once into a template database."""
    _require_emulator()  # session fixtures run before the autouse check; skip the CLI work
    return prepare_competition(tmp_path_factory.mktemp("organiser"))


@pytest.fixture
def competition(prepared_competition: CompetitionData, tmp_path: Path) -> CompetitionData:
    """This test's own copy of the prepared database, where the bot will run."""
    prepared_competition.copy_database(tmp_path / "quiz.db")
    return prepared_competition


@pytest.fixture
async def emulator(tmp_path: Path, logs: dict[str, Path]) -> AsyncIterator[EmulatorProcess]:
    logs["emulator"] = tmp_path / "emulator.log"
    process = EmulatorProcess(logs["emulator"])
    await process.start()
    yield process
    await process.stop()


@pytest.fixture
async def proxy(
    emulator: EmulatorProcess, request: pytest.FixtureRequest
) -> AsyncIterator[BotApiProxy]:
    layer = BotApiProxy(emulator.url)
    await layer.start()
    request.node.stash[_PROXY_KEY] = layer
    yield layer
    await layer.stop()


@pytest.fixture
async def bot_process(
    tmp_path: Path, database_url: str, proxy: BotApiProxy, logs: dict[str, Path]
) -> AsyncIterator[BotProcess]:
    """The bot, not yet started: tests prepare data first, then ``await bot_process.start``."""
    logs["bot"] = tmp_path / "bot.log"
    env = bot_env(database_url=database_url, api_server=proxy.url)
    process = BotProcess(env=env, cwd=tmp_path, log_path=logs["bot"])
    yield process
    await process.stop()


@pytest.fixture
async def http() -> AsyncIterator[ClientSession]:
    async with ClientSession() as session:
        yield session


@pytest.fixture
def worker(http: ClientSession, emulator: EmulatorProcess) -> SimulatedWorker:
    return SimulatedWorker(
        http, emulator.url, BOT_TOKEN, user_id=700001, first_name="小王", language_code="zh-hans"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.failed and report.when in {"setup", "call"}:
        for name, path in item.stash.get(_REPORT_KEY, {}).items():
            if path.exists():
                text = path.read_text(errors="replace")
                report.sections.append((f"{name} log ({path})", text[-30000:]))
        layer = item.stash.get(_PROXY_KEY, None)
        if layer is not None:
            lines = [f"{c.method} {json.dumps(c.params, ensure_ascii=False)}" for c in layer.calls]
            report.sections.append(("Bot API calls (last 80)", "\n".join(lines[-80:])))
    return report
