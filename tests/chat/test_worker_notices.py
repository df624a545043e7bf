"""The messengers say what Telegram says: the open question above the menu, and when a
running competition's mistakes join the 错题本."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.bot.fixtures import add_bank, add_competition
from tests.chat.harness import Running, say, tap
from tests.conftest import MovableClock


async def test_the_menu_mid_question_and_the_book_mid_contest(
    dingtalk: Running, session_factory: async_sessionmaker[AsyncSession], clock: MovableClock
) -> None:
    async with session_factory() as session:
        await add_bank(session)
        await add_competition(
            session, clock, name="判断赛", composition=[{"type": "true_false", "count": 2}]
        )
    dingtalk.fake.add_user("u9", name="孙二")
    await say(dingtalk, "u9", "竞赛")
    await tap(dingtalk, "u9", dingtalk.fake.last("u9"), "判断赛")
    await say(dingtalk, "u9", "菜单")
    menu = dingtalk.fake.last("u9")
    assert "你还有一道题没答完：**判断赛** 第 1/2 题，还剩" in menu.text
    await tap(dingtalk, "u9", menu, "继续")
    question = dingtalk.fake.last("u9")
    assert "1/2" in question.text
    await tap(dingtalk, "u9", question, "错")
    await tap(dingtalk, "u9", dingtalk.fake.last("u9"), "错")
    await say(dingtalk, "u9", "错题本")
    book = dingtalk.fake.last("u9")
    assert "错题本是空的" in book.text
    assert "**判断赛** 的错题将在竞赛结束后加入错题本（9月8日 09:00）" in book.text
