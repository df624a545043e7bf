"""/metrics moves when workers answer: the real dispatcher on the fake Bot API, scraped over
HTTP like Prometheus would; and the multiprocess mode sums what several processes count."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from ops.metrics import instrument_engine
from tests.bot.fixtures import add_bank, add_competition, add_teams, add_worker
from tests.conftest import MovableClock
from tests.fakes.chat import ChatDriver
from tests.fakes.telegram import FakeTelegram
from tests.ops.conftest import parse_metrics, scrape, value

SINGLE_ONLY = [{"type": "single", "count": 3}]


@pytest.fixture
async def ready(session, clock, engine: AsyncEngine) -> dict[str, Any]:
    """An open competition of single-choice questions and a registered worker (id 1001)."""
    instrument_engine(engine)
    await add_bank(session)
    one, _ = await add_teams(session)
    competition = await add_competition(session, clock, composition=SINGLE_ONLY)
    worker = await add_worker(session, clock, team_id=one.id)
    return {"competition": competition, "worker": worker}


def delta(before: dict, after: dict, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


async def test_answers_duplicates_and_late_answers_show_in_metrics(
    ready, worker_chat: ChatDriver, ops_client: TestClient, clock: MovableClock
) -> None:
    before = await scrape(ops_client)
    await worker_chat.send("/quiz")
    await worker_chat.press("2026 质量月知识竞赛")
    first_question = copy.deepcopy(worker_chat.last_keyboard_message())
    await worker_chat.press("A", first_question)  # stored and scored
    await worker_chat.press("A", first_question)  # the double tap: refused
    clock.advance(seconds=31)  # past the 30 s question limit
    await worker_chat.press("A")  # stored late, no points
    after = await scrape(ops_client)

    answers = "qualityquiz_answers_total"
    assert delta(before, after, answers, outcome="scored") == 1
    assert delta(before, after, answers, outcome="closed") == 1
    assert delta(before, after, answers, outcome="timeout") == 1
    received = "qualityquiz_updates_received_total"
    assert delta(before, after, received, kind="callback_query") == 4
    assert delta(before, after, received, kind="message") == 1
    handled = "qualityquiz_updates_handled_total"
    assert delta(before, after, handled, kind="callback_query", result="handled") == 4
    latency = "qualityquiz_reply_latency_seconds_count"
    assert delta(before, after, latency, kind="callback_query") == 4
    assert delta(before, after, latency, kind="message") == 1
    assert value(after, "qualityquiz_reply_latency_seconds_sum", kind="callback_query") > 0
    calls = "qualityquiz_telegram_requests_total"
    assert delta(before, after, calls, method="AnswerCallbackQuery", result="ok") >= 4
    assert delta(before, after, "qualityquiz_db_transaction_seconds_count", end="commit") >= 3


async def test_a_429_counts_and_its_wait_is_added_up(
    ready, worker_chat: ChatDriver, api: FakeTelegram, ops_client: TestClient
) -> None:
    before = await scrape(ops_client)
    api.queue_error("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await worker_chat.send("/help")
    after = await scrape(ops_client)
    assert delta(before, after, "qualityquiz_telegram_429_total", method="SendMessage") == 1
    assert delta(before, after, "qualityquiz_telegram_retry_after_seconds_total") == 1
    calls = "qualityquiz_telegram_requests_total"
    assert delta(before, after, calls, method="SendMessage", result="TelegramRetryAfter") == 1
    assert delta(before, after, calls, method="SendMessage", result="ok") == 1


async def test_a_failing_handler_counts_as_an_error_of_its_kind(
    ready, worker_chat: ChatDriver, ops_client: TestClient, dp
) -> None:
    from aiogram.filters import Command

    @dp.message(Command("explode"))
    async def explode(message: Any) -> None:
        raise ZeroDivisionError

    before = await scrape(ops_client)
    await worker_chat.send("/explode")
    after = await scrape(ops_client)
    errors = "qualityquiz_errors_total"
    assert delta(before, after, errors, where="update", kind="ZeroDivisionError") == 1
    handled = "qualityquiz_updates_handled_total"
    assert delta(before, after, handled, kind="message", result="error") == 1


COUNT_IN_A_PROCESS = textwrap.dedent(
    """
    from ops import metrics
    metrics.count_answer("scored")
    metrics.count_answer("scored")
    metrics.set_outbox_backlog(5)
    """
)
SERVE_FROM_ANOTHER = textwrap.dedent(
    """
    import sys
    from ops.metrics import metrics_response
    sys.stdout.write(metrics_response()[0].decode())
    """
)


def test_multiprocess_mode_serves_the_sum_of_all_processes(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    root = Path(__file__).resolve().parents[2]
    for _ in range(2):
        subprocess.run(
            [sys.executable, "-c", COUNT_IN_A_PROCESS], env=env, cwd=root, check=True, timeout=60
        )
    served = subprocess.run(
        [sys.executable, "-c", SERVE_FROM_ANOTHER],
        env=env,
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    samples = parse_metrics(served)
    assert value(samples, "qualityquiz_answers_total", outcome="scored") == 4
    assert value(samples, "qualityquiz_outbox_backlog") == 5
