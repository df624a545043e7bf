"""The group's 去答题 button (``/start quiz-<id>``) lands in its competition: a registered
worker gets its start button at once, a new one after registering."""

from __future__ import annotations

from tests.bot.fixtures import add_bank, add_competition, add_worker
from tests.fakes.chat import ChatDriver

TRUE_FALSE = [{"type": "判断", "count": 2}]


async def test_a_registered_worker_lands_in_the_competition(
    session, clock, worker_chat: ChatDriver
):
    await add_bank(session)
    competition = await add_competition(session, clock, name="判断赛", composition=TRUE_FALSE)
    await add_worker(session, clock, name="王伟")
    await worker_chat.send(f"/start quiz-{competition.id}")
    shown = worker_chat.last_bot_message()
    assert "你已注册，王伟。" in shown["text"] and "判断赛" in shown["text"]
    await worker_chat.press("判断赛", shown)
    assert "第 1/2 题" in worker_chat.last_bot_message()["text"]


async def test_a_new_worker_registers_then_lands_in_the_competition(
    session, clock, worker_chat: ChatDriver
):
    await add_bank(session)
    competition = await add_competition(session, clock, name="判断赛", composition=TRUE_FALSE)
    await worker_chat.send(f"/start quiz-{competition.id}")
    await worker_chat.press("跳过")
    await worker_chat.send("赵六")
    welcome = worker_chat.last_bot_message()
    assert "赵六" in welcome["text"] and "判断赛" in welcome["text"]
    await worker_chat.press("判断赛", welcome)
    assert "第 1/2 题" in worker_chat.last_bot_message()["text"]


async def test_a_closed_competition_link_shows_the_menu(session, clock, worker_chat):
    await add_worker(session, clock, name="王伟")
    await worker_chat.send("/start quiz-999")
    shown = worker_chat.last_bot_message()
    assert shown["text"] == "你已注册，王伟。"
    assert "每日一练" in " ".join(worker_chat.button_labels(shown))
