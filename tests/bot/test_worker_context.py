"""What a worker needs to decide, on the screen: the competition list and the question.

The list gives each competition's closing time in its zone with the UTC offset and as time
left, the paper (questions, seconds each, minutes at most) and the attempts left; a question
gives the seconds left when it was sent as well as the clock time.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.models import Worker
from tests.bot.fixtures import add_bank, add_competition, add_worker
from tests.fakes.chat import ChatDriver

TRUE_FALSE = [{"type": "判断", "count": 2}]


async def set_language(session_factory, lang: str) -> None:
    async with session_factory() as session:
        worker = (await session.execute(select(Worker))).scalar_one()
        worker.language = lang
        await session.commit()


@pytest.fixture
async def listed(session, clock, session_factory):
    """Two open competitions: one closing in 2 hours (2 attempts), one in 6 days 23 hours."""
    await add_bank(session)
    soon = await add_competition(
        session, clock, name="判断赛", composition=TRUE_FALSE, attempts_allowed=2
    )
    soon.ends_at = clock() + timedelta(hours=2)
    session.add(soon)
    await session.commit()
    await add_competition(session, clock, name="周赛", question_time_limit_s=20)
    await add_worker(session, clock)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "zh",
            [
                "<b>判断赛</b>",
                "⏳ 9月1日 11:00（北京时间）截止，还剩 2 小时",
                "📝 共 2 题，每题限时 30 秒，全卷最长 1 分钟",
                "🔁 你还可参加 2 次（共 2 次）",
                "<b>周赛</b>",
                "⏳ 9月8日 09:00（北京时间）截止，还剩 7 天",
                "📝 共 5 题，每题限时 20 秒，全卷最长 1 分钟 40 秒",  # exact, as the organiser saw
                "🔁 你还可参加 1 次（共 1 次）",
            ],
        ),
        (
            "en",
            [
                "⏳ Closes 1 Sep 11:00 (Beijing time), 2 hours left",
                "📝 2 questions, 30 seconds each, 1 minute at most",
                "🔁 2 attempts left (of 2)",
                "⏳ Closes 8 Sep 09:00 (Beijing time), 7 days left",
                "📝 5 questions, 20 seconds each, 1 minute 40 seconds at most",
                "🔁 1 attempt left (of 1)",
            ],
        ),
    ],
)
async def test_the_competition_list_shows_closing_time_paper_and_attempts_left(
    listed, session_factory, worker_chat: ChatDriver, lang, expected
):
    await set_language(session_factory, lang)
    await worker_chat.send("/quiz")
    listing = worker_chat.last_bot_message()["text"]
    for line in expected:
        assert line in listing.split("\n"), line
    assert "(s)" not in listing


async def test_attempts_used_and_in_progress_show_in_the_list(
    listed, session_factory, worker_chat: ChatDriver, clock
):
    await worker_chat.send("/quiz")
    await worker_chat.press("周赛")
    await worker_chat.send("/quiz")
    listing = worker_chat.last_bot_message()["text"]
    assert "▶️ 你有一次答题还没完成，点下方按钮继续" in listing
    clock.advance(minutes=5)  # the attempt at 周赛 runs out
    await worker_chat.send("/quiz")
    listing = worker_chat.last_bot_message()["text"]
    assert "🚫 你已用完全部 1 次答题机会" in listing
    assert "还剩 6 天 23 小时" in listing


@pytest.mark.parametrize(
    ("lang", "first", "again"),
    [
        ("zh", "⏰ 30 秒内作答（09:00:30 前）", "⏰ 1 秒内作答（09:00:30 前）"),
        ("en", "⏰ 30 seconds to answer (by 09:00:30)", "⏰ 1 second to answer (by 09:00:30)"),
    ],
)
async def test_a_question_shows_the_seconds_left_when_it_is_sent(
    listed, session_factory, worker_chat: ChatDriver, clock, lang, first, again
):
    await set_language(session_factory, lang)
    await worker_chat.send("/quiz")
    await worker_chat.press("判断赛")
    assert first in worker_chat.last_bot_message()["text"]
    clock.advance(seconds=29)
    await worker_chat.send("/continue")
    assert again in worker_chat.last_bot_message()["text"]


@pytest.mark.parametrize(
    ("lang", "today", "done", "tomorrow"),
    [
        ("zh", "🔁 今天还可参加 1 次（每天 1 次）", "⏸ 今天的答题次数已用完（每天 1 次），明天再来",
         "🔁 今天还可参加 1 次（每天 1 次）"),
        ("en", "🔁 1 attempt left today (1 a day)",
         "⏸ Today's attempts are used up (1 a day); come back tomorrow",
         "🔁 1 attempt left today (1 a day)"),
    ],
)  # fmt: skip
async def test_the_list_counts_attempts_per_day(
    session, clock, session_factory, worker_chat: ChatDriver, lang, today, done, tomorrow
):
    await add_bank(session)
    await add_competition(
        session, clock, name="每日赛", composition=TRUE_FALSE, attempts_allowed=3,
        attempts_per_day=1,
    )  # fmt: skip
    await add_worker(session, clock)
    await set_language(session_factory, lang)
    await worker_chat.send("/quiz")
    assert today in worker_chat.last_bot_message()["text"]
    await worker_chat.press("每日赛")
    clock.advance(minutes=5)  # the attempt has run out
    await worker_chat.send("/quiz")
    assert done in worker_chat.last_bot_message()["text"]
    clock.advance(days=1)
    await worker_chat.send("/quiz")
    assert tomorrow in worker_chat.last_bot_message()["text"]
