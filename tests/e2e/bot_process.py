"""The real bot, ``python main.py run``, as a child process, and the operator's CLI commands."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.proxy import BotApiProxy

REPO = Path(__file__).resolve().parents[2]
MAIN = REPO / "main.py"
BOT_TOKEN = "123456789:AAE2eTestTokenForTheEmulator_abcdefghij"
READY_TIMEOUT = 30.0
CLI_TIMEOUT = 60.0
STOP_TIMEOUT = 5.0

# Our settings plus anything that could point the child at a real service.
_OWN_VARS = (
    "BOT_TOKEN",
    "DATABASE_URL",
    "TELEGRAM_API_SERVER",
    "ADMIN_IDS",
    "REDIS_URL",
    "RUN_SCHEDULER",
    "WEBHOOK_SECRET",
    "TIMEZONE",
)


def bot_env(*, database_url: str, api_server: str = "", admin_ids: str = "") -> dict[str, str]:
    """The environment of every child: ours, never the developer's ``.env`` values."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in _OWN_VARS}
    env.update(
        BOT_TOKEN=BOT_TOKEN,
        DATABASE_URL=database_url,
        TELEGRAM_API_SERVER=api_server,
        ADMIN_IDS=admin_ids,
        REDIS_URL="",
        RUN_SCHEDULER="false",
        PYTHONUNBUFFERED="1",
    )
    return env


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python main.py ARGS`` as an operator would type it; fails loudly on a non-zero exit."""
    done = subprocess.run(
        [sys.executable, str(MAIN), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"`main.py {' '.join(args)}` exited {done.returncode}\n"
            f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        )
    return done


class BotProcess:
    """Starts, kills and restarts ``main.py run``; its output goes to ``log_path``."""

    def __init__(self, *, env: dict[str, str], cwd: Path, log_path: Path) -> None:
        self.env = env
        self.cwd = cwd  # not the repository: a developer's .env there must not leak in
        self.log_path = log_path
        self.starts = 0
        self._process: asyncio.subprocess.Process | None = None

    async def start(self, proxy: BotApiProxy) -> None:
        """Start the bot and wait until it long-polls the proxy (it is then fully up)."""
        polls_before = len(proxy.calls_of("getUpdates"))
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start #{self.starts + 1} =====\n".encode())
            log.flush()
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                str(MAIN),
                "run",
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        deadline = time.monotonic() + READY_TIMEOUT
        while len(proxy.calls_of("getUpdates")) <= polls_before:
            if self._process.returncode is not None:
                raise AssertionError(f"the bot exited with {self._process.returncode}")
            if time.monotonic() > deadline:
                raise AssertionError("the bot did not start polling in time")
            await asyncio.sleep(0.05)

    async def kill(self) -> None:
        """``kill -9``: no shutdown hooks, no flushing, exactly like a crash."""
        if self.running:
            assert self._process is not None
            self._process.kill()
            await self._process.wait()

    async def stop(self) -> None:
        """SIGTERM (aiogram stops polling gracefully), then SIGKILL if it hangs.

        Waits without blocking the event loop: the proxy the bot is long-polling lives in
        the test's loop and must answer for the bot to finish.
        """
        if not self.running:
            return
        assert self._process is not None
        self._process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self._process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            await self.kill()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
