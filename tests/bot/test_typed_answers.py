"""Typed answers to 填空题 through the real dispatcher: a reply or not, early, late, stale.

The refused on-time reply of issue 14 is reproduced here: the worker replied to a blank
question's prompt the moment it appeared, before the bot had heard back from Telegram and
remembered the prompt's message id; the old matching (``reply_to_message_id ==
attempt.message_id``) called that reply "closed", showed nothing else, and the question ran
out of time (超时). The same happened to a reply to the earlier prompt of a question shown
again by /continue. A text is now matched to the attempt's open question by its state.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from contest.models import AnswerStatus, AttemptQuestion, Worker
from tests.bot.fixtures import add_bank, add_competition, add_worker, latest_attempt
from tests.fakes.chat import ChatDriver

BLANKS = [{"type": "填空", "count": 2}]


@pytest.fixture
async def blanks(session, clock) -> dict[str, Any]:
    """A bank, a competition of two blank questions (answer 9) and a registered worker."""
    await add_bank(session)
    competition = await add_competition(session, clock, name="填空赛", composition=BLANKS)
    worker = await add_worker(session, clock)
    return {"competition": competition, "worker": worker}


async def set_language(session_factory, lang: str) -> None:
    async with session_factory() as session:
        worker = (await session.execute(select(Worker))).scalar_one()
        worker.language = lang
        await session.commit()


async def statuses(session_factory) -> list[str]:
    attempt = await latest_attempt(session_factory)
    async with session_factory() as session:
        rows = await session.execute(
            select(AttemptQuestion.status)
            .where(AttemptQuestion.attempt_id == attempt.id)
            .order_by(AttemptQuestion.position)
        )
        return [AnswerStatus(status).value for status in rows.scalars()]


async def start(chat: ChatDriver, name: str = "填空赛") -> None:
    await chat.send("/quiz")
    await chat.press(name)


def texts(requests) -> str:
    return "\n".join(r.text for r in requests)


@pytest.mark.parametrize(
    ("lang", "scored"), [("zh", "第 1 题：✅ 回答正确"), ("en", "Question 1: ✅ Correct")]
)
async def test_a_typed_answer_without_reply_answers_the_open_blank_question(
    blanks, worker_chat: ChatDriver, session_factory, lang, scored
):
    await set_language(session_factory, lang)
    await start(worker_chat)
    sent = await worker_chat.send("9")  # typed, not a reply
    assert scored in texts(sent)
    assert await statuses(session_factory) == ["answered", "pending"]


async def test_a_reply_sent_before_the_bot_remembers_its_prompt_is_answered(
    blanks, worker_chat: ChatDriver, session_factory, api
):
    """The refused on-time reply: the worker answers while the bot still waits for Telegram."""
    await start(worker_chat)
    original = api.make_request
    replies: list[Any] = []

    async def worker_is_quick(bot, method, timeout=None):  # noqa: ASYNC109
        result = await original(bot, method, timeout)
        markup = getattr(method, "reply_markup", None)
        if not replies and getattr(markup, "force_reply", False):
            replies.append(await worker_chat.reply("9"))  # question 2 is on screen: reply
        return result

    api.make_request = worker_is_quick  # type: ignore[method-assign]
    await worker_chat.reply("9")  # answers question 1; question 2's prompt goes out
    api.make_request = original  # type: ignore[method-assign]
    assert replies and "本题已结束" not in texts(replies[0])
    assert "第 2 题：✅ 回答正确" in texts(replies[0])
    assert await statuses(session_factory) == ["answered", "answered"]


async def test_a_reply_to_the_earlier_prompt_after_continue_is_answered(
    blanks, worker_chat: ChatDriver, session_factory, clock
):
    await start(worker_chat)
    first_prompt = worker_chat.last_bot_message()
    clock.advance(seconds=5)
    await worker_chat.send("/continue")  # the same question again, as a new prompt
    assert worker_chat.last_bot_message()["message_id"] != first_prompt["message_id"]
    clock.advance(seconds=1)
    sent = await worker_chat.send("9", reply_to_message=first_prompt)
    assert "回答正确" in texts(sent) and "本题已结束" not in texts(sent)
    assert await statuses(session_factory) == ["answered", "pending"]


async def test_continue_does_not_restart_the_question_clock(
    blanks, worker_chat: ChatDriver, session_factory, clock
):
    await start(worker_chat)
    attempt = await latest_attempt(session_factory)
    async with session_factory() as session:
        before = (
            await session.execute(
                select(AttemptQuestion.deadline_at).where(
                    AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.position == 0
                )
            )
        ).scalar_one()
    clock.advance(seconds=20)
    await worker_chat.send("/continue")
    assert "⏰ 10 秒内作答" in worker_chat.last_bot_message()["text"]
    clock.advance(seconds=15)  # 35 s after the question appeared: late however often shown
    sent = await worker_chat.send("9")
    assert "超时" in texts(sent)
    async with session_factory() as session:
        after = (
            await session.execute(
                select(AttemptQuestion.deadline_at).where(
                    AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.position == 0
                )
            )
        ).scalar_one()
    assert after == before
    assert await statuses(session_factory) == ["timeout", "pending"]


async def test_a_replayed_text_scores_once(blanks, worker_chat: ChatDriver, session_factory, api):
    await start(worker_chat)
    message_id = api.next_message_id()
    await worker_chat.send("9", message_id=message_id)
    # The same message again (a replay, or a second process seeing it): same message id,
    # while question 2, also a blank, is open.
    sent = await worker_chat.send("9", message_id=message_id)
    assert "回答正确" not in texts(sent)
    assert await statuses(session_factory) == ["answered", "pending"]


async def test_a_text_sent_before_the_question_appeared_is_not_its_answer(
    blanks, worker_chat: ChatDriver, session_factory, api
):
    await start(worker_chat)
    first, second = api.next_message_id(), api.next_message_id()
    await worker_chat.send("9", message_id=first)
    # Typed right after the first, before question 2 was on screen; it arrives late.
    sent = await worker_chat.send("十", message_id=second)
    assert "没有计为答案" in texts(sent)
    assert await statuses(session_factory) == ["answered", "pending"]


async def test_a_late_text_is_a_timeout_of_its_own_question(
    blanks, worker_chat: ChatDriver, session_factory, clock
):
    await start(worker_chat)
    clock.advance(seconds=45)
    sent = await worker_chat.send("9")
    assert "第 1 题：⏰ 已超时" in texts(sent) and "第 2/2 题" in texts(sent)
    assert await statuses(session_factory) == ["timeout", "pending"]


@pytest.mark.parametrize(
    ("lang", "hint"), [("zh", "请点题目下方的按钮作答"), ("en", "tap one of the buttons")]
)
async def test_text_while_a_choice_question_is_open_says_to_tap(
    session, clock, worker_chat: ChatDriver, session_factory, lang, hint
):
    await add_bank(session)
    await add_competition(session, clock, name="判断赛", composition=[{"type": "判断", "count": 2}])
    await add_worker(session, clock)
    await set_language(session_factory, lang)
    await start(worker_chat, "判断赛")
    sent = await worker_chat.send("对")
    assert hint in texts(sent)
    assert await statuses(session_factory) == ["pending", "pending"]


@pytest.mark.parametrize(("lang", "hint"), [("zh", "/quiz"), ("en", "/practice")])
async def test_text_with_nothing_open_says_what_to_do_instead(
    session, clock, worker_chat: ChatDriver, session_factory, lang, hint
):
    await add_worker(session, clock)
    await set_language(session_factory, lang)
    sent = await worker_chat.send("质量")
    answer = texts(sent)
    assert hint in answer
    assert ("没有需要" in answer) if lang == "zh" else ("No question" in answer)


async def test_a_typed_menu_word_shows_its_screen_and_leaves_the_question_open(
    blanks, worker_chat: ChatDriver, session_factory
):
    await start(worker_chat)
    sent = await worker_chat.send("排行榜")
    assert "排行榜" in texts(sent) and "回答" not in texts(sent)
    assert await statuses(session_factory) == ["pending", "pending"]
    assert "回答正确" in texts(await worker_chat.send("9"))
