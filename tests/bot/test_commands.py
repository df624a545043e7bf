"""The command menus registered with setMyCommands, in both languages."""

from __future__ import annotations

import re

import pytest
from aiogram import Bot

from bot.commands import register_commands
from tests.bot.conftest import ADMIN_ID
from tests.fakes.telegram import FakeTelegram


async def test_menus_in_chinese_english_and_for_admins(bot: Bot, api: FakeTelegram) -> None:
    await register_commands(bot, admin_ids=frozenset({ADMIN_ID}))
    calls = api.sent("setMyCommands")
    assert [c.params.get("language_code") for c in calls] == [None, "zh", "en", None]
    assert calls[3].params["scope"] == {"type": "chat", "chat_id": ADMIN_ID}
    default, english = calls[0].params["commands"], calls[2].params["commands"]
    assert {"command": "quiz", "description": "参加竞赛"} in default
    assert {"command": "quiz", "description": "Join a competition"} in english
    assert "teams" in {c["command"] for c in calls[3].params["commands"]}
    for call in calls:
        for command in call.params["commands"]:  # Bot API rules for commands
            assert re.fullmatch(r"[a-z0-9_]{1,32}", command["command"])
            assert 1 <= len(command["description"]) <= 256


async def test_an_admin_without_a_chat_does_not_stop_start_up(
    bot: Bot, api: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = api._respond

    def refuse_admin_scope(name: str, params: dict, files: dict) -> tuple[int, dict]:
        if name == "setMyCommands" and params.get("scope", {}).get("type") == "chat":
            body = {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
            return 400, body
        return original(name, params, files)

    monkeypatch.setattr(api, "_respond", refuse_admin_scope)
    await register_commands(bot, admin_ids=frozenset({ADMIN_ID}))
    assert len(api.sent("setMyCommands")) == 4


NEW_FACES = ("screen", "web_links", "web_login", "bind_webhook", "pending", "live", "live_new")


async def test_the_organiser_menu_names_the_web_and_live_final_commands(
    bot: Bot, api: FakeTelegram
) -> None:
    await register_commands(bot, admin_ids=frozenset({ADMIN_ID}))
    admin_menu = {c["command"] for c in api.sent("setMyCommands")[3].params["commands"]}
    assert set(NEW_FACES) | {"live_links"} <= admin_menu
    assert len(admin_menu) <= 100  # the Bot API's limit per list
