"""Words a worker reads, through the real dispatcher: plurals, ties, and every reply (the
error and overload replies included) in the language the worker chose."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.intake import Overloaded
from bot.middlewares import WorkerMiddleware
from contest.models import Standing, Worker
from i18n import t
from tests.bot.fixtures import add_bank, add_competition, add_worker
from tests.fakes.chat import ChatDriver


async def set_language(session_factory, lang: str) -> None:
    async with session_factory() as session:
        worker = (
            await session.execute(select(Worker).where(Worker.telegram_id == 1001))
        ).scalar_one()
        worker.language = lang
        await session.commit()


@pytest.fixture
async def tied(session, clock):
    """张三 (1001) has the same score as 李四 but took 12 s longer; 王五 is 1 point ahead."""
    await add_bank(session)
    competition = await add_competition(session, clock)
    me = await add_worker(session, clock, telegram_id=1001, name="张三")
    other = await add_worker(session, clock, telegram_id=2002, name="李四")
    top = await add_worker(session, clock, telegram_id=3003, name="王五")
    for worker, score, ms in ((me, 6.0, 42_000), (other, 6.0, 30_000), (top, 7.0, 50_000)):
        session.add(
            Standing(
                competition_id=competition.id,
                worker_id=worker.id,
                score=score,
                time_used_ms=ms,
                finished_at=clock(),
            )
        )
    await session.commit()


@pytest.mark.parametrize(
    ("lang", "tie", "rank"),
    [
        ("zh", "与上一名同分，用时多 12秒", "你的排名：第 3 名（共 3 人），6 分"),
        ("en", "Tied on score with the place above, 12 s slower", "Your rank: 3 of 3, 6 points"),
    ],
)
async def test_a_tie_on_score_says_how_much_slower(
    tied, session_factory, worker_chat: ChatDriver, lang, tie, rank
):
    await set_language(session_factory, lang)
    await worker_chat.send("/rank")
    board = worker_chat.last_bot_message()["text"]
    assert tie in board and rank in board
    assert "0 pt" not in board and "差 0 分" not in board


async def test_one_point_is_singular_in_english(
    session, clock, session_factory, worker_chat: ChatDriver, dp, bot, api
):
    await add_bank(session)
    competition = await add_competition(session, clock)
    me = await add_worker(session, clock, telegram_id=1001)
    top = await add_worker(session, clock, telegram_id=2002, name="李四")
    for worker, score in ((me, 1.0), (top, 2.0)):
        session.add(Standing(competition_id=competition.id, worker_id=worker.id, score=score))
    await session.commit()
    await set_language(session_factory, "en")
    await worker_chat.send("/rank")
    board = worker_chat.last_bot_message()["text"]
    assert "Your rank: 2 of 2, 1 point\n1 point behind the place above" in board


async def test_the_error_reply_is_in_the_language_the_worker_chose(
    session, clock, session_factory, worker_chat: ChatDriver, api
):
    await add_worker(session, clock)
    await set_language(session_factory, "en")  # their Telegram is set to Chinese
    api.queue_error("sendMessage", 400, "Bad Request: something unexpected")
    await worker_chat.send("/quiz")
    assert api.last("sendMessage").text == "Sorry, something went wrong. Please try again later."


async def test_the_overload_reply_is_in_the_language_the_worker_chose(
    session, clock, session_factory, worker_chat: ChatDriver, api, monkeypatch
):
    await add_worker(session, clock)
    await set_language(session_factory, "en")
    await worker_chat.send("/menu")  # the bot has seen this worker's choice

    async def no_connection(self, *args, **kwargs):
        raise PoolTimeout("QueuePool limit reached")

    monkeypatch.setattr(WorkerMiddleware, "_load", no_connection)
    with pytest.raises(Overloaded):  # handed back to the intake, which retries it
        await worker_chat.send("/quiz")
    assert api.last("sendMessage").text == t("common.busy", "en")
