"""The telegram-test-api emulator as a child process, and the helpers that find node for it."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from pathlib import Path

E2E_DIR = Path(__file__).resolve().parent
SERVER_JS = E2E_DIR / "server.js"
PACKAGE_DIR = E2E_DIR / "node_modules" / "telegram-test-api"
START_TIMEOUT = 20.0


class EmulatorUnavailable(RuntimeError):
    """node or the npm package is missing: the e2e suite cannot run here."""


def check_emulator_installed() -> str:
    """The node executable, or EmulatorUnavailable saying what to install."""
    node = shutil.which("node")
    if node is None:
        raise EmulatorUnavailable("node is not on PATH (Node.js 18+ is needed for e2e tests)")
    if not (PACKAGE_DIR / "package.json").is_file():
        raise EmulatorUnavailable(
            f"telegram-test-api is not installed; run `npm ci --prefix {E2E_DIR}`"
        )
    return node


class EmulatorProcess:
    """``node server.js``: the emulator on 127.0.0.1 and a port the OS picked."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.url = ""
        self._process: asyncio.subprocess.Process | None = None
        self._log = None

    async def start(self) -> str:
        node = check_emulator_installed()
        self._log = self.log_path.open("wb")
        env = {**os.environ, "DEBUG": os.environ.get("E2E_EMULATOR_DEBUG", "")}
        self._process = await asyncio.create_subprocess_exec(
            node,
            str(SERVER_JS),
            cwd=E2E_DIR,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=self._log,
        )
        assert self._process.stdout is not None
        try:
            line = await asyncio.wait_for(self._process.stdout.readline(), START_TIMEOUT)
        except TimeoutError:
            line = b""
        if not line.startswith(b"listening "):
            await self.stop()
            raise EmulatorUnavailable(
                f"telegram-test-api did not start: {line!r}; see {self.log_path}"
            )
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"
        return self.url

    async def stop(self) -> None:
        process = self._process
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()
        if self._log is not None:
            self._log.close()
