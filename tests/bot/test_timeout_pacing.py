"""The outbox's edits (a question's ⏰ at its deadline) take bot-wide slots behind replies:
a crowd's deadlines falling due together never starve the workers who are answering."""

from __future__ import annotations

import asyncio

from aiogram.methods import EditMessageText, SendMessage

from bot.pacing import Pacer


async def test_a_burst_of_deadline_edits_waits_behind_the_replies() -> None:
    pacer = Pacer()
    order: list[str] = []

    async def go(method: EditMessageText | SendMessage, *, bulk: bool, name: str) -> None:
        async with pacer.turn(method, bulk=bulk):
            order.append(name)

    edits = [
        asyncio.create_task(
            go(EditMessageText(text="⏰", chat_id=7000 + i, message_id=5), bulk=True, name="edit")
        )
        for i in range(60)
    ]
    await asyncio.sleep(0)  # the edits are waiting for slots
    replies = [
        go(SendMessage(chat_id=8000 + i, text="答对了"), bulk=False, name="reply")
        for i in range(10)
    ]
    await asyncio.gather(*replies)
    await asyncio.gather(*edits)
    assert order.count("edit") == 60 and order.count("reply") == 10
    assert max(i for i, name in enumerate(order) if name == "reply") < 15


async def test_a_replys_own_edits_stay_unpaced() -> None:
    """The next question replaces the tapped one at once: no bot-wide slot is taken."""
    pacer = Pacer()
    for n in range(100):  # far past 30 a second, yet none waits for the budget
        async with pacer.turn(EditMessageText(text=f"{n}", chat_id=77, message_id=5), bulk=False):
            pass
    assert pacer.budget.waiting == 0
