"""``run --webhook URL --workers N``: N bot processes behind one port, supervised.

The launcher migrates the database and sets the webhook once, then starts N workers
(``main.py run --webhook URL --worker-index i``) that all listen on WEBHOOK_PORT with
``SO_REUSEPORT`` (the kernel spreads Telegram's connections over them). They share the
webhook secret, the database, Redis (conversation state, when REDIS_URL is set) and one
Prometheus multiprocess directory. A worker that dies is started again under the same
instance name, so it takes up at once whatever it had stored but not yet handled; SIGTERM
or Ctrl-C stops them all.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from config import Settings
from storage.migrate import upgrade

logger = logging.getLogger("qualityquiz")

RESTART_BACKOFF = (1.0, 2.0, 5.0, 10.0)
MAIN = Path(__file__).resolve().parents[1] / "main.py"


def run_workers(settings: Settings, *, url: str, workers: int, with_scheduler: bool) -> int:
    from cli.run import webhook_path, webhook_secret

    upgrade(settings.database_url)
    secret = webhook_secret(settings)
    _, full_url = webhook_path(url)
    asyncio.run(_set_webhook(settings, full_url, secret))
    env = dict(os.environ, WEBHOOK_SECRET=secret)
    env["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir(env.get("PROMETHEUS_MULTIPROC_DIR"))
    command = [sys.executable, str(MAIN), "run", "--webhook", url]
    if not with_scheduler:
        command.append("--no-scheduler")
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    children = {i: _start(command, i, env) for i in range(workers)}
    restarts = dict.fromkeys(children, 0)
    logger.info("%d webhook workers on port %s", workers, settings.webhook_port)
    while not stopping:
        time.sleep(0.5)
        for index, child in list(children.items()):
            code = child.poll()
            if code is None or stopping:
                continue
            delay = RESTART_BACKOFF[min(restarts[index], len(RESTART_BACKOFF) - 1)]
            logger.error("worker %d exited with %s; starting it again in %.0fs", index, code, delay)
            time.sleep(delay)
            restarts[index] += 1
            children[index] = _start(command, index, env)
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    for child in children.values():
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
    return 0


def _start(command: list[str], index: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*command, "--worker-index", str(index)], env=env)


def _metrics_dir(configured: str | None) -> str:
    """One directory for every worker's metrics, emptied of a previous run's files."""
    path = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="qualityquiz-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    return str(path)


async def _set_webhook(settings: Settings, url: str, secret: str) -> None:
    from bot.factory import create_bot
    from cli.run import set_webhook

    bot = create_bot(settings)
    try:
        await set_webhook(bot, None, url, secret, settings.webhook_max_connections)
    finally:
        await bot.session.close()
