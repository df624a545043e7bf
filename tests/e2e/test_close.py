"""The close, end to end: a worker answers, the organiser closes the competition with the CLI,
and the bot's own scheduler sends the worker their final result and 错题回顾."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from i18n import t
from tests.e2e import journey
from tests.e2e.bot_process import BotProcess, bot_env, run_cli
from tests.e2e.competition_data import COMPETITION_NAME, CompetitionData
from tests.e2e.journey import LANG
from tests.e2e.proxy import BotApiProxy
from tests.e2e.worker import SimulatedWorker

pytestmark = pytest.mark.e2e


async def test_at_the_close_the_worker_gets_their_place_and_review(
    bot_process: BotProcess,
    proxy: BotApiProxy,
    worker: SimulatedWorker,
    competition: CompetitionData,
    database_url: str,
    tmp_path: Path,
) -> None:
    await bot_process.start(proxy)
    await journey.register_by_deep_link(worker, competition.join_code)
    await journey.open_competition(worker, COMPETITION_NAME)
    for position in range(1, competition.question_count + 1):
        shown = await journey.current_question(worker, competition, position)
        await journey.answer(worker, shown, correctly=shown.question.kind != "判断")
    await journey.summary(worker, COMPETITION_NAME)
    await bot_process.stop()

    env = bot_env(database_url=database_url, api_server=proxy.url)
    run_cli("contest", "close", str(competition.competition_id), env=env, cwd=tmp_path)
    closing = BotProcess(
        env=env | {"RUN_SCHEDULER": "true", "SCHEDULER_TICK_SECONDS": "0.5"},
        cwd=tmp_path,
        log_path=tmp_path / "bot-closing.log",
    )
    await closing.start(proxy)
    try:
        title = t("close.title", LANG, name=COMPETITION_NAME)
        result = await worker.wait_for(
            lambda ms: next((m for m in ms if title in m.text), None),
            what="the final result", within=60,
        )  # fmt: skip
        place = t("close.place_rank", LANG, rank=1)
        assert t("close.place", LANG, place=place, total=1) in result.text
        assert t("close.review_follows", LANG, n=1) in result.text
        heading = t("close.review_title", LANG, name=COMPETITION_NAME, n=1)
        review = await worker.wait_for(
            lambda ms: next((m for m in ms if heading in m.text), None), what="the review"
        )
        assert t("quiz.type.true_false", LANG) in review.text
        assert t("close.wrong", LANG) in review.text and "/mistakes" in review.text
    finally:
        await closing.stop()
    # The emulator cannot take photos: the certificate and the card are the only calls it
    # refused, and the outbox recorded them as failed rather than retrying forever.
    assert {call.method for call in proxy.unsupported} <= {"sendPhoto"}
    with sqlite3.connect(tmp_path / "quiz.db") as db:
        rows = db.execute(
            "SELECT kind, status FROM outbox WHERE chat_id = ?", (worker.user["id"],)
        ).fetchall()
    assert sorted(rows) == [("card", "failed"), ("certificate", "failed"),
                            ("text", "sent"), ("text", "sent")]  # fmt: skip
