"""A competition through the real dispatcher: buttons, a blank reply, and everything that goes
wrong — double taps, replays, stale and forged buttons, late answers, restarts, 429 and 403."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from sqlalchemy import select

from bot.callbacks import AnswerCb
from bot.factory import blocked_hook, create_bot, create_dispatcher
from bot.fsm_storage import DatabaseStorage
from contest.models import Attempt, AttemptStatus, Standing, Worker
from quizbank.models import OPTION_LETTERS, QuestionType
from tests.bot.conftest import FAST_LIMITS
from tests.bot.fixtures import (
    add_bank,
    add_competition,
    add_teams,
    add_worker,
    latest_attempt,
    right_answer,
)
from tests.fakes.chat import ChatDriver


@pytest.fixture
async def ready(session, clock) -> dict[str, Any]:
    """A bank, a team, an open competition and a registered worker (telegram id 1001)."""
    await add_bank(session)
    one, _ = await add_teams(session)
    competition = await add_competition(session, clock)
    worker = await add_worker(session, clock, team_id=one.id)
    return {"competition": competition, "worker": worker}


async def answer_current(chat: ChatDriver, session_factory, *, right: bool = True) -> QuestionType:
    """Answer the attempt's open question the way a person would: buttons, or a reply."""
    attempt = await latest_attempt(session_factory)
    qtype, answer = await right_answer(
        session_factory, attempt_id=attempt.id, position=attempt.current_position
    )
    if qtype is QuestionType.BLANK:
        await chat.reply(answer if right else "不知道")
    elif qtype is QuestionType.TRUE_FALSE:
        await chat.press("对" if answer == right else "错")
    elif qtype is QuestionType.SINGLE:
        await chat.press(OPTION_LETTERS[answer[0] if right else (answer[0] + 1) % 4])
    else:
        for option in answer if right else [2]:
            await chat.press(OPTION_LETTERS[option])
        await chat.press("提交")
    return qtype


async def start_quiz(chat: ChatDriver, name: str = "2026 质量月知识竞赛") -> None:
    await chat.send("/quiz")
    await chat.press(name)


def callback_answers(chat: ChatDriver) -> list[str]:
    return [r.params.get("text", "") for r in chat.api.sent("answerCallbackQuery")]


async def test_whole_competition_through_buttons_and_a_blank_reply(
    ready, worker_chat: ChatDriver, session_factory
):
    await start_quiz(worker_chat)
    assert "第 1/5 题" in worker_chat.last_bot_message()["text"]
    assert "⏰ 30 秒内作答（09:00:30 前）" in worker_chat.last_bot_message()["text"]
    types = {await answer_current(worker_chat, session_factory) for _ in range(5)}
    assert types == set(QuestionType)
    final = worker_chat.last_bot_message()["text"]
    assert "答题结束" in final and "得分：10" in final and "答对：5/5" in final
    assert "第 1 名" in final
    async with session_factory() as session:
        standing = (await session.execute(select(Standing))).scalar_one()
    assert standing.score == 10
    assert all(len(r.params.get("callback_data", "")) <= 64 for r in worker_chat.api.requests)


async def test_double_tap_and_replayed_update_score_once(
    ready, worker_chat: ChatDriver, session_factory, session, clock
):
    await add_competition(session, clock, name="判断赛", composition=[{"type": "判断", "count": 2}])
    await start_quiz(worker_chat, "判断赛")
    message = worker_chat.last_keyboard_message()
    data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await worker_chat.callback(data, message)
    await worker_chat.callback(data, message)  # double tap / replayed update: same data
    assert "本题已结束" in callback_answers(worker_chat)[-1]
    after = await latest_attempt(session_factory)
    assert after.current_position == 1
    assert after.score in (0, 1)  # counted once, right or wrong


async def test_stale_button_from_an_earlier_question_is_closed(
    ready, worker_chat: ChatDriver, session_factory
):
    await start_quiz(worker_chat)
    attempt = await latest_attempt(session_factory)
    stale = AnswerCb(a=attempt.id, p=0, o=0).pack()
    await answer_current(worker_chat, session_factory)
    before = (await latest_attempt(session_factory)).score
    await worker_chat.callback(stale)
    assert "本题已结束" in callback_answers(worker_chat)[-1]
    assert (await latest_attempt(session_factory)).score == before


async def test_late_answer_scores_nothing(
    ready, worker_chat: ChatDriver, session_factory, session, clock
):
    await add_competition(session, clock, name="判断赛", composition=[{"type": "判断", "count": 2}])
    await start_quiz(worker_chat, "判断赛")
    clock.advance(seconds=45)
    await answer_current(worker_chat, session_factory)
    attempt = await latest_attempt(session_factory)
    assert attempt.score == 0 and attempt.current_position == 1
    assert "超时" in callback_answers(worker_chat)[-1]
    assert "第 2/2 题" in worker_chat.last_bot_message()["text"]


async def test_forged_callback_for_another_workers_attempt_is_refused(
    ready, worker_chat: ChatDriver, session_factory, session, clock, dp, bot, api
):
    await start_quiz(worker_chat)
    attempt = await latest_attempt(session_factory)
    await add_worker(session, clock, telegram_id=2002, name="李四")
    intruder = ChatDriver(dp, bot, api, user_id=2002, first_name="李四")
    await intruder.callback(AnswerCb(a=attempt.id, p=0, o=0).pack(), worker_chat.last_bot_message())
    assert "不是你的答题" in callback_answers(intruder)[-1]
    assert (await latest_attempt(session_factory)).current_position == 0


async def test_restart_mid_quiz_carries_on_from_the_old_message(
    ready, worker_chat: ChatDriver, session_factory, settings, api, clock
):
    await start_quiz(worker_chat)
    await answer_current(worker_chat, session_factory)
    # A new process: a new dispatcher and bot on the same database and the same chat.
    new_bot = create_bot(
        settings, session=api, limits=FAST_LIMITS, on_blocked=blocked_hook(session_factory)
    )
    new_dp = create_dispatcher(
        settings, session_factory, storage=DatabaseStorage(session_factory), clock=clock
    )
    chat = ChatDriver(new_dp, new_bot, api, user_id=1001)
    await chat.send("/continue")
    assert "第 2/5 题" in chat.last_bot_message()["text"]
    for _ in range(4):
        await answer_current(chat, session_factory)
    attempt = await latest_attempt(session_factory)
    assert attempt.status == AttemptStatus.FINISHED and attempt.correct_count == 5


async def test_429_while_answering_is_waited_out(
    ready, worker_chat: ChatDriver, session_factory, session, clock
):
    await add_competition(session, clock, name="判断赛", composition=[{"type": "判断", "count": 2}])
    await start_quiz(worker_chat, "判断赛")
    api = worker_chat.api
    before = len(api.sent("answerCallbackQuery"))
    api.queue_error("answerCallbackQuery", 429, "Too Many Requests: retry after 1", retry_after=1)
    api.queue_error("editMessageText", 429, "Too Many Requests: retry after 1", retry_after=1)
    await answer_current(worker_chat, session_factory)
    attempt = await latest_attempt(session_factory)
    assert attempt.current_position == 1
    assert len(api.sent("answerCallbackQuery")) - before == 2  # refused once, then retried
    assert "第 2/2 题" in worker_chat.last_bot_message()["text"]


async def test_403_marks_the_worker_inactive(ready, worker_chat: ChatDriver, session_factory):
    worker_chat.api.blocked_chats.add(1001)
    await worker_chat.send("/quiz")
    async with session_factory() as session:
        worker = (await session.execute(select(Worker))).scalar_one()
    assert worker.active is False


async def test_button_of_a_deleted_competition_gets_a_friendly_answer(
    ready, worker_chat: ChatDriver, session_factory, session, clock
):
    tf = await add_competition(
        session, clock, name="判断赛", composition=[{"type": "判断", "count": 2}]
    )
    await start_quiz(worker_chat, "判断赛")
    async with session_factory() as s:
        for attempt in (await s.execute(select(Attempt))).scalars():
            await s.delete(attempt)
        await s.delete(await s.get(type(tf), tf.id))
        await s.commit()
    await answer_current_or_press_first(worker_chat)
    assert "已不存在" in callback_answers(worker_chat)[-1]


async def answer_current_or_press_first(chat: ChatDriver) -> None:
    message = chat.last_keyboard_message()
    await chat.callback(message["reply_markup"]["inline_keyboard"][0][0]["callback_data"], message)


async def test_bot_and_dispatcher_types(dp: Dispatcher, bot: Bot) -> None:
    assert isinstance(dp, Dispatcher) and isinstance(bot, Bot)


async def test_feedback_follows_the_competition_rules(
    ready, worker_chat: ChatDriver, session_factory, session, clock
):
    await add_competition(
        session,
        clock,
        name="答案即显赛",
        composition=[{"type": "判断", "count": 2}],
        feedback={"show_correctness_during": True, "show_answers": "during"},
    )
    await add_competition(
        session,
        clock,
        name="盲答赛",
        composition=[{"type": "判断", "count": 2}],
        feedback={"show_correctness_during": False, "show_answers": "after_close"},
    )
    await start_quiz(worker_chat, "答案即显赛")
    await answer_current(worker_chat, session_factory)
    shown = worker_chat.last_bot_message()["text"]
    assert "正确答案：对" in shown and "下一题" in " ".join(worker_chat.button_labels())
    await worker_chat.press("下一题")
    await answer_current(worker_chat, session_factory)
    await start_quiz(worker_chat, "盲答赛")
    await answer_current(worker_chat, session_factory, right=False)
    assert callback_answers(worker_chat)[-1] == "已提交"  # neither right/wrong nor the answer
    assert "正确答案" not in worker_chat.last_bot_message()["text"]


async def test_english_worker_sees_english_questions(
    ready, worker_chat: ChatDriver, session_factory
):
    async with session_factory() as session:
        worker = (await session.execute(select(Worker))).scalar_one()
        worker.language = "en"
        await session.commit()
    await start_quiz(worker_chat)
    text = worker_chat.last_bot_message()["text"]
    assert "Question 1/5" in text and "30 seconds to answer (by 09:00:30)" in text


async def test_restart_then_tap_the_old_message_without_continue(
    ready, worker_chat: ChatDriver, session_factory, settings, api, clock
):
    await start_quiz(worker_chat)
    await answer_current(worker_chat, session_factory)
    new_bot = create_bot(settings, session=api, limits=FAST_LIMITS)
    new_dp = create_dispatcher(
        settings, session_factory, storage=DatabaseStorage(session_factory), clock=clock
    )
    chat = ChatDriver(new_dp, new_bot, api, user_id=1001)
    for _ in range(4):  # buttons on the message the old process sent, or a reply to its prompt
        await answer_current(chat, session_factory)
    attempt = await latest_attempt(session_factory)
    assert attempt.status == AttemptStatus.FINISHED and attempt.correct_count == 5
