"""Every filter an update meets is checked on the event loop, never in a worker thread.

aiogram runs a plain callable filter (a magic ``F`` expression, a ``State``) through
``asyncio.to_thread``: a thread hop per filter per update, a visible share of a tap's CPU in
a crowd. The router tree registers them awaitable (:func:`bot.routing.awaitable`); here a
worker's whole story — /quiz, the competition, the answers, /me and a name correction —
goes through the real dispatcher while threads started for filters are counted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from tests.bot.fixtures import add_bank, add_competition, add_teams, add_worker
from tests.bot.test_quiz import answer_current, start_quiz
from tests.fakes.chat import ChatDriver


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    started: list[str] = []
    real = asyncio.to_thread

    async def counting(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        started.append(repr(getattr(func, "func", func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counting)
    return started


async def test_a_workers_taps_and_messages_start_no_thread(
    session, clock, session_factory, worker_chat: ChatDriver, threads: list[str]
):
    await add_bank(session)
    one, _ = await add_teams(session)
    await add_competition(session, clock)
    await add_worker(session, clock, team_id=one.id)

    await start_quiz(worker_chat)
    for _ in range(3):
        await answer_current(worker_chat, session_factory)
    await worker_chat.send("/me")
    await worker_chat.press("更正姓名")
    await worker_chat.send("张三丰")

    assert "张三丰" in worker_chat.last_bot_message()["text"]
    assert threads == [], threads
