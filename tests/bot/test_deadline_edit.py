"""At a question's deadline the chat changes: ⏰ 时间到 in place of the question, its answer
buttons replaced by 下一题 (查看成绩 after the last), the right answer only where the rules
show answers during the contest. The edit is queued with the timeout in one transaction, so
a restart sends it still; a tap that got there first is never overwritten."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Bot
from sqlalchemy import select

from bot.callbacks import NextCb
from bot.inbox import oldest_waiting
from bot.models import InboxStatus, InboxUpdate
from config import Settings
from contest.models import AnswerStatus, AttemptQuestion
from contest.outbox import OutboxMessage, OutboxStatus
from scheduler.context import JobContext
from scheduler.runner import SchedulerRunner
from scheduler.timeouts import NEXT_CALLBACK, queue_timeouts
from tests.bot.fixtures import add_bank, add_competition, add_worker, latest_attempt, right_answer
from tests.fakes.chat import ChatDriver

TRUE_FALSE = [{"type": "判断", "count": 2}]
DURING = {"show_correctness_during": True, "show_answers": "during"}


async def _started(session, clock, worker_chat: ChatDriver, **rules) -> dict:
    await add_bank(session)
    await add_competition(session, clock, name="判断赛", composition=TRUE_FALSE, **rules)
    await add_worker(session, clock)
    await worker_chat.send("/quiz")
    await worker_chat.press("判断赛")
    return worker_chat.last_keyboard_message()


def _runner(settings: Settings, session_factory, bot: Bot, clock, name: str = "a"):
    return SchedulerRunner(
        settings=settings, session_factory=session_factory, bot=bot, clock=clock, holder=name
    )


def _shown(worker_chat: ChatDriver, message: dict) -> dict:
    return worker_chat.api.chats[worker_chat.chat_id][message["message_id"]]


async def _statuses(session_factory) -> list[str]:
    async with session_factory() as s:
        rows = await s.execute(select(AttemptQuestion).order_by(AttemptQuestion.position))
        return [row.status for row in rows.scalars()]


def test_the_next_button_is_the_bots_own() -> None:
    assert NEXT_CALLBACK.format(attempt_id=4711) == NextCb(a=4711).pack()


async def test_time_up_replaces_the_buttons_with_next(
    session, clock, session_factory, settings, bot, worker_chat: ChatDriver
):
    question = await _started(session, clock, worker_chat)
    runner = _runner(settings, session_factory, bot, clock)
    clock.advance(seconds=33)
    await runner.step(run_jobs=False)
    # Just past the deadline a tap still waiting in a busy intake may have come in time:
    # the question is closed a few seconds later, and nothing changes yet.
    assert "reply_markup" in _shown(worker_chat, question)
    assert await _statuses(session_factory) == [AnswerStatus.PENDING, AnswerStatus.PENDING]
    clock.advance(seconds=3)
    runner.next_timeouts = 0.0
    await runner.step(run_jobs=False)
    shown = _shown(worker_chat, question)
    assert "⏰ 时间到：第 1/2 题未作答，不得分。" in shown["text"] and "判断赛" in shown["text"]
    assert "正确答案" not in shown["text"]  # answers wait for the close here
    assert worker_chat.button_labels(shown) == ["下一题 ▶"]
    assert await _statuses(session_factory) == [AnswerStatus.TIMEOUT, AnswerStatus.PENDING]
    await worker_chat.press("下一题", shown)
    assert "第 2/2 题" in _shown(worker_chat, question)["text"]  # in the same message
    runner.next_timeouts = 0.0
    await runner.step(run_jobs=False)  # nothing new is due: no second edit
    assert "第 2/2 题" in _shown(worker_chat, question)["text"]


async def test_the_answer_shows_where_the_rules_allow_and_the_last_leads_to_the_result(
    session, clock, session_factory, settings, bot, worker_chat: ChatDriver
):
    await _started(session, clock, worker_chat, feedback=DURING)
    attempt = await latest_attempt(session_factory)
    _, value = await right_answer(session_factory, attempt_id=attempt.id, position=1)
    await worker_chat.press("对")
    await worker_chat.press("下一题")
    clock.advance(seconds=40)
    await _runner(settings, session_factory, bot, clock).step(run_jobs=False)
    shown = worker_chat.last_bot_message()
    assert "⏰ 时间到：第 2/2 题未作答" in shown["text"]
    assert f"正确答案：{'对' if value else '错'}" in shown["text"]
    assert worker_chat.button_labels(shown) == ["查看成绩"]
    await worker_chat.press("查看成绩", shown)
    assert "答对：1/2 题" in worker_chat.last_bot_message()["text"]


async def test_a_queued_edit_survives_a_restart(
    session, clock, session_factory, settings, bot, worker_chat: ChatDriver
):
    question = await _started(session, clock, worker_chat)
    clock.advance(seconds=40)
    ctx = JobContext(settings=settings, session_factory=session_factory, clock=clock)
    assert await queue_timeouts(ctx) == 1  # then the process dies before sending
    async with session_factory() as s:
        [row] = (await s.execute(select(OutboxMessage))).scalars().all()
        assert row.kind == "edit" and row.status == OutboxStatus.PENDING
    assert "reply_markup" in _shown(worker_chat, question)
    await _runner(settings, session_factory, bot, clock, "after-restart").step(run_jobs=False)
    assert "⏰ 时间到" in _shown(worker_chat, question)["text"]
    async with session_factory() as s:
        assert (await s.get(OutboxMessage, row.id)).status == OutboxStatus.SENT


async def test_a_tap_that_got_there_first_is_not_overwritten(
    session, clock, session_factory, settings, bot, worker_chat: ChatDriver
):
    question = await _started(session, clock, worker_chat)
    clock.advance(seconds=40)
    ctx = JobContext(settings=settings, session_factory=session_factory, clock=clock)
    await queue_timeouts(ctx)
    await worker_chat.press("对", question)  # the old button, before the edit went out
    assert "第 2/2 题" in _shown(worker_chat, question)["text"]
    await _runner(settings, session_factory, bot, clock).step(run_jobs=False)
    shown = _shown(worker_chat, question)
    assert "第 2/2 题" in shown["text"] and "⏰ 时间到" not in shown["text"]
    assert await _statuses(session_factory) == [AnswerStatus.TIMEOUT, AnswerStatus.PENDING]


async def test_a_tap_still_waiting_in_the_intake_keeps_its_question_open(
    session, clock, session_factory, settings, bot, worker_chat: ChatDriver
):
    """Under a crowd the intake can lag more than the grace: a tap taken 2 s before the
    deadline and still unhandled 12 s after it must find its question open."""
    question = await _started(session, clock, worker_chat)
    deadline = (await _deadlines(session_factory))[0]
    tap_came = deadline - timedelta(seconds=2)
    session.add(
        InboxUpdate(update_id=990_001, payload={}, received_at=tap_came, owner="busy:webhook:0")
    )
    await session.commit()
    runner = SchedulerRunner(
        settings=settings,
        session_factory=session_factory,
        bot=bot,
        clock=clock,
        holder="a",
        waiting_since=oldest_waiting,
    )
    clock.set(deadline + timedelta(seconds=12))
    await runner.step(run_jobs=False)
    assert "reply_markup" in _shown(worker_chat, question)
    assert await _statuses(session_factory) == [AnswerStatus.PENDING, AnswerStatus.PENDING]

    # Handled (the tap was another chat's, say): the question closes on the next pass.
    async with session_factory.begin() as s:
        row = await s.get(InboxUpdate, 990_001)
        assert row is not None
        row.status = InboxStatus.DONE
    runner.next_timeouts = 0.0
    await runner.step(run_jobs=False)
    assert worker_chat.button_labels(_shown(worker_chat, question)) == ["下一题 ▶"]
    assert await _statuses(session_factory) == [AnswerStatus.TIMEOUT, AnswerStatus.PENDING]


async def _deadlines(session_factory) -> list:
    async with session_factory() as s:
        rows = await s.execute(select(AttemptQuestion).order_by(AttemptQuestion.position))
        return [row.deadline_at for row in rows.scalars()]
