"""/start, /menu and /quiz in the middle of a question say so first, with a way back to it.

The question whose clock runs is named (competition, k of n, seconds left); its button shows
it again as the newest message, the older message loses its buttons, and answering through
either counts once.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from contest.models import AnswerStatus, AttemptQuestion
from tests.bot.fixtures import add_bank, add_competition, add_worker, latest_attempt, right_answer
from tests.fakes.chat import ChatDriver

TRUE_FALSE = [{"type": "判断", "count": 2}]


async def _started(session, clock, worker_chat: ChatDriver) -> dict:
    await add_bank(session)
    await add_competition(session, clock, name="判断赛", composition=TRUE_FALSE)
    await add_worker(session, clock, name="王伟")
    await worker_chat.send("/quiz")
    await worker_chat.press("判断赛")
    return worker_chat.last_keyboard_message()


@pytest.mark.parametrize("command", ["/start", "/menu", "/quiz"])
async def test_a_command_mid_question_names_the_question_and_its_clock(
    session, clock, worker_chat: ChatDriver, command
):
    await _started(session, clock, worker_chat)
    clock.advance(seconds=10)
    await worker_chat.send(command)
    shown = worker_chat.last_bot_message()
    text = shown["text"]
    match = re.search(r"你还有一道题没答完：<b>判断赛</b> 第 1/2 题，还剩 (\d+) 秒", text)
    assert match is not None, text
    assert 15 <= int(match.group(1)) <= 20
    assert worker_chat.button_labels(shown)[0] == "📝 回到这道题"
    if command == "/start":
        assert "你已注册，王伟。" in text and text.index("还剩") < text.index("你已注册")


async def test_the_button_shows_the_question_again_and_the_old_one_goes_quiet(
    session, clock, session_factory, worker_chat: ChatDriver
):
    old = await _started(session, clock, worker_chat)
    await worker_chat.send("/start")
    await worker_chat.press("回到这道题")
    again = worker_chat.last_bot_message()
    assert "第 1/2 题" in again["text"] and again["message_id"] > old["message_id"]
    assert "reply_markup" not in worker_chat.api.chats[worker_chat.chat_id][old["message_id"]]
    attempt = await latest_attempt(session_factory)
    assert attempt.message_id == again["message_id"]  # a deadline edit goes to this one
    _, value = await right_answer(session_factory, attempt_id=attempt.id, position=0)
    data = f"a:{attempt.id}:0:{1 if value else 0}"
    await worker_chat.callback(data, again)
    await worker_chat.callback(data, old)  # the stale message's button, replayed
    async with session_factory() as s:
        rows = (await s.execute(select(AttemptQuestion).order_by(AttemptQuestion.position))).all()
    first, second = (row[0] for row in rows)
    assert first.status == AnswerStatus.ANSWERED and first.correct
    assert second.status == AnswerStatus.PENDING  # the replay did not answer question 2
    assert (await latest_attempt(session_factory)).correct_count == 1


async def test_after_the_deadline_the_notice_says_time_is_up_and_carries_on(
    session, clock, worker_chat: ChatDriver
):
    await _started(session, clock, worker_chat)
    clock.advance(seconds=40)
    await worker_chat.send("/start")
    assert "<b>判断赛</b> 第 1/2 题的时间已到" in worker_chat.last_bot_message()["text"]
    await worker_chat.press("继续答题")
    shown = worker_chat.last_bot_message()["text"]
    assert "第 1 题在你离开时已超时" in shown and "第 2/2 题" in shown


async def test_start_without_an_open_question_is_as_before(session, clock, worker_chat):
    await add_worker(session, clock, name="王伟")
    await worker_chat.send("/start")
    shown = worker_chat.last_bot_message()
    assert shown["text"].startswith("你已注册，王伟。")
    assert "回到这道题" not in worker_chat.button_labels(shown)
