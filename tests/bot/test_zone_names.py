"""The organiser's dialog names the zone as people say it: （北京时间）, not Asia/Shanghai."""

from __future__ import annotations

from tests.bot.test_competition_dialog import add_bank_and_levels
from tests.fakes.chat import ChatDriver


async def test_the_start_prompt_says_beijing_time(admin_chat: ChatDriver, session_factory) -> None:
    await add_bank_and_levels(session_factory)
    await admin_chat.send("/new_competition")
    asked = await admin_chat.send("班组质量知识赛")
    text = asked[-1].text
    assert "（北京时间）" in text
    assert "Asia/Shanghai" not in text and "当地时间" not in text
