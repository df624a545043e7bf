"""Real bot processes in webhook mode, a crowd at once: a crash, many workers, a second poller.

The bots are `python main.py run --webhook …` children configured only through their
environment; the Bot API is tests/fakes/bot_api_server.py over HTTP, and the test plays
Telegram: it POSTs each update to the webhook with the secret token and, like Telegram,
delivers again whatever got no 200.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as redis

from tests.e2e.bot_process import BOT_TOKEN, MAIN, bot_env
from tests.e2e.crowd_data import database_counts, drop_database, fresh_database, seed_contest
from tests.fakes.bot_api_server import BotApiServer
from tests.fakes.phones import FIRST_USER, Phone

SECRET = "e2e-webhook-secret"
REDIS_URL = os.environ.get("QQ_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WebhookBot:
    """``main.py run --webhook`` (optionally ``--workers N``) as a child process."""

    def __init__(self, env: dict[str, str], cwd: Path, log: Path, *args: str) -> None:
        self.env, self.cwd, self.log, self.args = env, cwd, log, args
        self.port = int(env["WEBHOOK_PORT"])
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self, api: BotApiServer) -> None:
        api.webhook_url = None
        with self.log.open("ab") as log:
            self.process = await asyncio.to_thread(
                subprocess.Popen,
                [sys.executable, str(MAIN), "run", "--webhook",
                 f"http://127.0.0.1:{self.port}/webhook", *self.args],
                cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while api.webhook_url is None or not await self._listening():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the bot did not come up:\n{self.log.read_text()[-3000:]}")
            await asyncio.sleep(0.1)

    async def _listening(self) -> bool:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        writer.close()
        return True

    def kill(self) -> None:
        """``kill -9`` of the whole process group: no shutdown hooks, like a crash."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture
async def api() -> AsyncIterator[BotApiServer]:
    server = BotApiServer(BOT_TOKEN)
    await server.start()
    yield server
    await server.stop()


def _env(url: str, api: BotApiServer, **extra: str) -> dict[str, str]:
    env = bot_env(database_url=url, api_server=api.url)
    env.update(WEBHOOK_SECRET=SECRET, WEBHOOK_HOST="127.0.0.1", WEBHOOK_PORT=str(_free_port()),
               WEB_PORT="0", **extra)  # fmt: skip
    return env


async def _deliver_until_taken(api: BotApiServer, update: dict[str, Any]) -> None:
    """Telegram's side: an update without a 200 is delivered again, until one comes."""
    deadline = time.monotonic() + 90
    while True:
        with contextlib.suppress(aiohttp.ClientError, OSError, AssertionError):
            if await api.deliver(update) == 200:
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"update {update['update_id']} never got a 200")
        await asyncio.sleep(0.2)


async def _join(phones: list[Phone]) -> None:
    """Each phone opens /quiz and taps the competition: question 1 on screen."""
    for step in (lambda p: p.says("/quiz"), lambda p: p.taps_first_button()):
        await asyncio.gather(*(p.send(step(p), wait=60) for p in phones))


async def _until(check: Any, what: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def test_kill_9_with_a_crowds_answers_in_flight_loses_and_doubles_none(
    api: BotApiServer, tmp_path: Path
) -> None:
    """Thirty workers tap at once and the bot is killed 0.15 s later. Every tap Telegram got
    a 200 for is in the inbox and is handled by the restarted process; every tap it got no
    200 for is delivered again. Each answer is stored exactly once."""
    url = await asyncio.to_thread(fresh_database, "sqlite", tmp_path)
    seed_contest(url, workers=30, questions=5)
    bot = WebhookBot(_env(url, api), tmp_path, tmp_path / "bot.log")
    await bot.start(api)
    phones = [Phone(api, FIRST_USER + i) for i in range(30)]
    try:
        await _join(phones)
        taps = [p.taps_first_button() for p in phones]
        in_flight = [asyncio.create_task(_deliver_until_taken(api, tap)) for tap in taps]
        await asyncio.sleep(0.15)
        bot.kill()
        await bot.start(api)  # the same instance name: it takes up its own pending updates
        await asyncio.gather(*in_flight)
        await _until(lambda: database_counts(url)["answered"] >= 30, "thirty stored answers")
        await asyncio.sleep(1.0)  # room for a double count to show, were there one
        counts = database_counts(url)
    finally:
        bot.stop()
    assert counts["answered"] == 30  # none lost
    assert (counts["positions_min"], counts["positions_max"]) == (1, 1)  # none counted twice
    assert counts["attempts"] == 30 and counts["attempts_per_worker_max"] == 1
    assert counts["inbox_pending"] == 0 and counts["inbox_failed"] == 0


async def test_two_webhook_workers_on_postgresql_double_no_reply_or_score(
    api: BotApiServer, tmp_path: Path
) -> None:
    """`--workers 2` on one PostgreSQL with Redis for conversation state: the kernel spreads
    Telegram's connections over both; every tap is delivered twice (a retry) and a double tap
    follows. Both workers handle updates, each callback gets one answer and each question one
    score."""
    client = redis.from_url(REDIS_URL)
    await client.flushdb()
    url = await asyncio.to_thread(fresh_database, "postgresql", tmp_path)
    seed_contest(url, workers=40, questions=5)
    bot = WebhookBot(_env(url, api, REDIS_URL=REDIS_URL), tmp_path, tmp_path / "bot.log",
                     "--workers", "2")  # fmt: skip
    phones = [Phone(api, FIRST_USER + i) for i in range(40)]
    try:
        await bot.start(api)
        await _join(phones)
        deliveries = []
        for phone in phones:
            tap = phone.taps_first_button()
            deliveries += [tap, tap, phone.taps_first_button()]
        await asyncio.gather(*(_deliver_until_taken(api, u) for u in deliveries))
        await _until(lambda: database_counts(url)["answered"] >= 40, "forty stored answers")
        # A chat's replies leave a second apart whichever worker sends them (Redis), so the
        # third tap of a chat may still be replying: wait until every update is marked done.
        await _until(lambda: database_counts(url)["inbox_pending"] == 0, "every update done", 30)
        await asyncio.sleep(1.0)  # room for a double count to show, were there one
        counts = database_counts(url)
    finally:
        bot.stop()
        await client.aclose()
        drop_database(url)
    assert counts["answered"] == 40
    assert (counts["positions_min"], counts["positions_max"]) == (1, 1)
    assert counts["attempts_per_worker_max"] == 1
    assert counts["inbox_owners"] == 2  # both workers took updates
    assert counts["inbox_pending"] == 0 and counts["inbox_failed"] == 0
    answered = [c.params["callback_query_id"] for c in api.sent("answerCallbackQuery")]
    assert len(answered) == len(set(answered))  # no callback answered twice


async def test_a_second_polling_process_on_the_same_database_refuses_to_start(
    api: BotApiServer, tmp_path: Path
) -> None:
    url = await asyncio.to_thread(fresh_database, "sqlite", tmp_path)
    env = bot_env(database_url=url, api_server=api.url)
    env["WEB_PORT"] = "0"
    first = await asyncio.to_thread(
        subprocess.Popen, [sys.executable, str(MAIN), "run"], cwd=tmp_path, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        await _until(lambda: api.sent("getUpdates"), "the first process to poll")
        second = await asyncio.to_thread(
            subprocess.run, [sys.executable, str(MAIN), "run"], cwd=tmp_path, env=env,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        os.killpg(first.pid, signal.SIGTERM)
        first.wait(timeout=30)
    assert second.returncode == 1
    assert "already polling this bot" in second.stderr
