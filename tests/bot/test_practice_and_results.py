"""Practice feedback and streak, /rank and /results, groups, and the friendly fallback."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from contest.models import Attempt, PracticeDay, Team, Worker
from tests.bot.fixtures import add_bank, add_competition, add_teams, add_worker, settle_teams
from tests.bot.test_quiz import answer_current, start_quiz
from tests.fakes.chat import ChatDriver


@pytest.fixture
async def registered(session, clock) -> Worker:
    await add_bank(session)
    one, _ = await add_teams(session)
    return await add_worker(session, clock, team_id=one.id)


async def practise_a_round(chat: ChatDriver, session_factory) -> None:
    await chat.send("/practice")
    for i in range(5):
        await answer_current(chat, session_factory)
        text = chat.last_bot_message()["text"]
        assert "正确答案" in text
        if i < 4:
            await chat.press("下一题")


async def test_practice_shows_answer_and_explanation_then_streak(
    registered, worker_chat: ChatDriver, session_factory, clock
):
    await worker_chat.send("/practice")
    await answer_current(worker_chat, session_factory, right=False)
    feedback = worker_chat.last_bot_message()["text"]
    assert "❌" in feedback and "正确答案" in feedback
    for _ in range(4):
        await worker_chat.press("下一题")
        await answer_current(worker_chat, session_factory)
    final = worker_chat.last_bot_message()["text"]
    assert "本组练习完成" in final and "连续答题 1 天" in final
    clock.advance(days=1)
    await practise_a_round(worker_chat, session_factory)
    assert "连续答题 2 天" in worker_chat.last_bot_message()["text"]
    clock.advance(days=2)  # a day missed: the streak starts again
    await practise_a_round(worker_chat, session_factory)
    assert "连续答题 1 天" in worker_chat.last_bot_message()["text"]
    await worker_chat.send("/results")
    results = worker_chat.last_bot_message()["text"]
    assert "共答 15 题" in results and "练习 3 天" in results


async def test_rank_shows_top_own_position_and_teams(
    registered, worker_chat: ChatDriver, session_factory, session, clock
):
    await add_competition(session, clock)
    await start_quiz(worker_chat)
    for _ in range(5):
        await answer_current(worker_chat, session_factory)
    await settle_teams(session_factory, clock)
    await worker_chat.send("/rank")
    board = worker_chat.last_bot_message()["text"]
    assert "1. 张三 · 检验一班 — 10 分" in board
    assert "你的排名：第 1 名" in board and "团队排名" in board
    await worker_chat.send("/results")
    assert "10 分，答对 5/5" in worker_chat.last_bot_message()["text"]


async def test_group_rank_points_to_the_private_chat(
    registered, dp, bot, api, session, session_factory, clock
):
    competition = await add_competition(session, clock)
    group = ChatDriver(dp, bot, api, user_id=1001, chat_id=-100500, chat_type="supergroup")
    await group.send("/rank")
    message = group.last_bot_message()
    assert "排行榜" in message["text"]
    url = message["reply_markup"]["inline_keyboard"][0][0]["url"]
    assert url == f"https://t.me/quality_quiz_bot?start=quiz-{competition.id}"  # lands in it
    await group.send("/quiz")
    await group.send("随便聊聊")
    async with session_factory() as s:
        assert (await s.execute(select(Attempt))).first() is None  # never a quiz in a group
    assert "私聊" in group.last_bot_message()["text"]


async def test_stickers_unknown_commands_edits_and_stale_buttons_get_friendly_replies(
    registered, worker_chat: ChatDriver
):
    await worker_chat.send_sticker()
    assert "按钮和命令" in worker_chat.last_bot_message()["text"]
    await worker_chat.send("/nonsense")
    assert "没有这个命令" in worker_chat.last_bot_message()["text"]
    edited = {
        "message_id": 7,
        "date": int(datetime.now(UTC).timestamp()),
        "edit_date": int(datetime.now(UTC).timestamp()),
        "chat": worker_chat.chat,
        "from": worker_chat.user,
        "text": "改一下",
    }
    await worker_chat.feed({"edited_message": edited})
    assert "不会改变已提交的答案" in worker_chat.last_bot_message()["text"]
    await worker_chat.callback("zz:unknown", worker_chat.last_bot_message())
    answer = worker_chat.api.last("answerCallbackQuery")
    assert "已失效" in answer.params["text"]


async def test_practice_boards_for_today_this_week_and_overall(
    registered, worker_chat: ChatDriver, session_factory, session, clock
):
    """Boards count local days: a colleague who practised in August shows only overall."""
    colleague = Worker(telegram_id=2002, real_name="李<四>", registered_at=clock())
    session.add(colleague)
    await session.flush()
    session.add(PracticeDay(worker_id=colleague.id, day=date(2026, 8, 20), answered=5,
                            correct=5, score=9))  # fmt: skip
    await session.commit()
    await practise_a_round(worker_chat, session_factory)  # Tuesday 1 September, Shanghai
    replies = await worker_chat.send("/rank")
    assert [b["text"] for b in replies[-1].buttons] == ["今日练习榜", "本周练习榜", "练习总榜"]
    for label in ("今日练习榜", "本周练习榜"):
        board = (await worker_chat.press(label))[-1].text
        assert "李&lt;四&gt;" not in board
        assert "1. 张三" in board and "你的排名：第 1 名（共 1 人）" in board
    overall = (await worker_chat.press("练习总榜"))[-1].text
    assert "李&lt;四&gt;" in overall and "9 分（答对 5/5）" in overall
    assert "（共 2 人）" in overall


async def test_rank_shows_my_team_place_and_the_ranking_within_my_team(
    registered, worker_chat: ChatDriver, session_factory, session, clock
):
    from tests.contest.helpers import attempt

    competition = await add_competition(
        session, clock, team={"mode": "sum", "min_participants": 1, "level": "班组"}
    )
    teams = {t.name: t.id for t in (await session.execute(select(Team))).scalars()}
    one, two = teams["检验一班"], teams["检验二班"]  # 张三 is in 检验一班
    for name, team_id, score in [("李四", one, 6), ("王五", two, 12), ("赵六", two, 9)]:
        colleague = Worker(real_name=name, team_id=team_id)
        session.add(colleague)
        await session.commit()
        await attempt(session, competition, colleague, score=score, time_s=60, clock=clock)
    await start_quiz(worker_chat)
    for _ in range(5):
        await answer_current(worker_chat, session_factory)  # 张三: 10 points
    await settle_teams(session_factory, clock)
    replies = await worker_chat.send("/rank")
    board = replies[-1].text
    # 检验二班 12 + 9 = 21, 检验一班 10 + 6 = 16: second, 5 points behind.
    assert "你的团队「检验一班」：第 2 名（共 2 个团队），距上一名差 5 分" in board
    assert replies[-1].buttons[0]["text"] == "🏠 队内排名"
    members = (await worker_chat.press("队内排名"))[-1].text
    assert "「检验一班」队内排名" in members
    assert "1. 张三 — 10 分" in members and "👈" in members
    assert "2. 李四 — 6 分" in members and "王五" not in members
