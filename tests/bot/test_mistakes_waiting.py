"""/mistakes during a contest: the book is empty until the close, and the reply says when
the contest's mistakes join it (or that they never will, where answers stay secret)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest.competitions import sync_statuses
from tests.bot.fixtures import add_bank, add_competition, add_worker
from tests.fakes.chat import ChatDriver
from tests.turns import turn

TRUE_FALSE = [{"type": "判断", "count": 2}]


async def _answer_wrong(session, clock, worker_chat: ChatDriver, lang: str = "zh", **rules):
    await add_bank(session)
    competition = await add_competition(
        session, clock, name="判断赛", composition=TRUE_FALSE, **rules
    )
    worker = await add_worker(session, clock)
    worker.language = lang
    await session.commit()
    await worker_chat.send("/quiz")
    await worker_chat.press("判断赛")
    for _ in range(2):  # 1978 is right: 错 is wrong
        await worker_chat.press("错" if lang == "zh" else "False")
    return competition


@pytest.mark.parametrize(
    ("lang", "empty", "waiting"),
    [
        ("zh", "📒 错题本是空的", "<b>判断赛</b> 的错题将在竞赛结束后加入错题本（9月8日 09:00）。"),
        (
            "en",
            "mistake book is empty",
            "<b>判断赛</b> join the mistake book when it closes (8 Sep 09:00)",
        ),
    ],
)
async def test_an_empty_book_mid_contest_says_when_the_mistakes_arrive(
    session, clock, session_factory, worker_chat: ChatDriver, lang, empty, waiting
):
    competition = await _answer_wrong(session, clock, worker_chat, lang)
    await worker_chat.send("/mistakes")
    text = worker_chat.last_bot_message()["text"]
    assert empty in text and waiting in text
    clock.set(competition.ends_at + timedelta(minutes=1))
    async with session_factory() as s:
        await turn(s, sync_statuses(s, clock=clock))
        await s.commit()
    await worker_chat.send("/mistakes")
    text = worker_chat.last_bot_message()["text"]
    assert ("错题本共 2 题" in text or "book holds 2" in text) and waiting not in text
    assert "1/2" in text  # the round has started


async def test_a_contest_that_never_shows_answers_says_its_mistakes_stay_out(
    session, clock, worker_chat: ChatDriver
):
    await _answer_wrong(session, clock, worker_chat, feedback={"show_answers": "never"})
    await worker_chat.send("/mistakes")
    text = worker_chat.last_bot_message()["text"]
    assert "<b>判断赛</b> 不公布答案，其中的错题不会加入错题本。" in text


async def test_no_contest_no_extra_words(session, clock, worker_chat: ChatDriver):
    await add_worker(session, clock)
    await worker_chat.send("/mistakes")
    assert worker_chat.last_bot_message()["text"] == "📒 错题本是空的：没有需要重练的题。"
