"""Webhook mode refuses requests that do not carry our secret token."""

from __future__ import annotations

import asyncio

from aiogram import Bot, Dispatcher
from aiohttp.test_utils import TestClient, TestServer

from cli.run import build_webhook_app
from tests.fakes.telegram import FakeTelegram

SECRET = "s3cret-token_value"
HELP = {
    "update_id": 7,
    "message": {
        "message_id": 1, "date": 1, "text": "/help",
        "chat": {"id": 1001, "type": "private"},
        "from": {"id": 1001, "is_bot": False, "first_name": "张三", "language_code": "zh"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
    },
}  # fmt: skip


async def _post(client: TestClient, headers: dict[str, str]) -> int:
    response = await client.post("/hook", json=HELP, headers=headers)
    return response.status


async def test_updates_without_the_secret_token_are_refused(
    dp: Dispatcher, bot: Bot, api: FakeTelegram
) -> None:
    app = build_webhook_app(dp, bot, secret=SECRET, path="/hook")
    async with TestClient(TestServer(app)) as client:
        assert await _post(client, {}) == 401
        assert await _post(client, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}) == 401
        assert api.sent("sendMessage") == []
        assert await _post(client, {"X-Telegram-Bot-Api-Secret-Token": SECRET}) == 200
        for _ in range(100):  # handled in the background, as in production
            if api.sent("sendMessage"):
                break
            await asyncio.sleep(0.02)
    assert api.last("sendMessage", chat_id=1001).text
