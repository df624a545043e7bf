"""Coming back after the attempt changed unseen: every change is explained, in both languages.

A question that timed out while the worker was away, an attempt whose time ran out, a
competition an organiser closed early, an abandoned practice round: /continue (or the next
tap) says what happened before it shows where the worker is now.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contest.attempts import expire_overdue
from contest.competitions import close_competition
from contest.models import AttemptStatus, Worker
from tests.bot.fixtures import add_bank, add_competition, add_worker, latest_attempt
from tests.fakes.chat import ChatDriver
from tests.turns import turn

TRUE_FALSE = [{"type": "判断", "count": 2}]
DURING = {"show_correctness_during": True, "show_answers": "during"}


async def set_language(session_factory, lang: str) -> None:
    async with session_factory() as session:
        worker = (await session.execute(select(Worker))).scalar_one()
        worker.language = lang
        await session.commit()


async def prepare(session, clock, session_factory, lang: str, **rules) -> None:
    await add_bank(session)
    await add_competition(session, clock, name="判断赛", composition=TRUE_FALSE, **rules)
    await add_worker(session, clock)
    await set_language(session_factory, lang)


async def start(chat: ChatDriver) -> None:
    await chat.send("/quiz")
    await chat.press("判断赛")


@pytest.mark.parametrize(
    ("lang", "missed", "answer", "next_question"),
    [
        ("zh", "⏰ 第 1 题在你离开时已超时，未得分。", "正确答案：对", "第 2/2 题"),
        ("en", "⏰ Question 1 timed out while you were away", "Correct answer: True", "2/2"),
    ],
)
async def test_continue_after_a_missed_question_says_so_with_the_answer(
    session, clock, session_factory, worker_chat: ChatDriver, lang, missed, answer, next_question
):
    await prepare(session, clock, session_factory, lang, feedback=DURING)
    await start(worker_chat)
    clock.advance(seconds=40)  # question 1 (30 s) is over, the attempt (60 s) is not
    await worker_chat.send("/continue")
    shown = worker_chat.last_bot_message()["text"]
    assert missed in shown and answer in shown and next_question in shown
    assert shown.index(missed) < shown.index(next_question)


async def test_a_missed_question_keeps_its_answer_secret_until_the_close(
    session, clock, session_factory, worker_chat: ChatDriver
):
    await prepare(session, clock, session_factory, "zh")  # show_answers: after_close
    await start(worker_chat)
    clock.advance(seconds=40)
    await worker_chat.send("/continue")
    shown = worker_chat.last_bot_message()["text"]
    assert "第 1 题在你离开时已超时" in shown and "正确答案" not in shown


@pytest.mark.parametrize(
    ("lang", "why", "left"),
    [
        ("zh", "⌛ 答题时间已到，本次答题已结束。", "未作答的 2 道题按超时处理"),
        ("en", "⌛ Your time for this attempt ran out.", "2 unanswered questions count"),
    ],
)
async def test_continue_after_the_attempts_time_ran_out_says_why_it_ended(
    session, clock, session_factory, worker_chat: ChatDriver, lang, why, left
):
    await prepare(session, clock, session_factory, lang, total_time_limit_s=40)
    await start(worker_chat)
    clock.advance(minutes=5)
    async with session_factory() as s:  # the scheduler closed it while the worker was away
        assert await turn(s, expire_overdue(s, clock=clock)) == 1
    await worker_chat.send("/continue")
    shown = worker_chat.last_bot_message()["text"]
    assert why in shown and left in shown
    assert ("答题机会已用完" if lang == "zh" else "No attempts left") in shown


@pytest.mark.parametrize(
    ("lang", "why"),
    [("zh", "🔒 「判断赛」已结束，不再接受作答。"), ("en", "🔒 “判断赛” has closed")],
)
async def test_a_tap_after_the_competition_closed_early_explains_it(
    session, clock, session_factory, worker_chat: ChatDriver, lang, why
):
    await prepare(session, clock, session_factory, lang)
    await start(worker_chat)
    attempt = await latest_attempt(session_factory)
    clock.advance(seconds=5)
    async with session_factory() as s:  # an organiser closes it early
        await turn(
            s, close_competition(s, competition_id=int(attempt.competition_id or 0), clock=clock)
        )
    clock.advance(seconds=2)
    await worker_chat.press("对" if lang == "zh" else "True")
    shown = worker_chat.last_bot_message()["text"]
    assert why in shown
    after = await latest_attempt(session_factory)
    assert after.status == AttemptStatus.EXPIRED and after.score == 0


@pytest.mark.parametrize(("lang", "why"), [("zh", "长时间没有作答"), ("en", "left unanswered")])
async def test_continue_after_an_abandoned_practice_round_says_it_ended(
    session, clock, session_factory, worker_chat: ChatDriver, lang, why
):
    await add_bank(session)
    await add_worker(session, clock)
    await set_language(session_factory, lang)
    await worker_chat.send("/practice")
    clock.advance(hours=3)
    await worker_chat.send("/continue")
    assert why in worker_chat.last_bot_message()["text"]


async def test_continue_with_nothing_ever_started_says_so(
    session, clock, session_factory, worker_chat: ChatDriver
):
    await add_worker(session, clock)
    await worker_chat.send("/continue")
    assert "没有未完成的答题" in worker_chat.last_bot_message()["text"]
