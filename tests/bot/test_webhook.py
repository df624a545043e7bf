"""Webhook mode: the secret token, and nothing acknowledged that is not stored first."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.intake import Intake
from bot.models import InboxStatus, InboxUpdate
from bot.webhook import SECRET_HEADER, build_webhook_app
from tests.fakes.telegram import FakeTelegram

SECRET = "s3cret-token_value"


def help_update(update_id: int = 7) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1, "date": 1, "text": "/help",
            "chat": {"id": 1001, "type": "private"},
            "from": {"id": 1001, "is_bot": False, "first_name": "张三", "language_code": "zh"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }  # fmt: skip


async def _post(client: TestClient, body: object, secret: str | None = SECRET) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    response = await client.post("/hook", json=body, headers=headers)
    return response.status


async def test_updates_without_the_secret_token_are_refused(
    intake: Intake, api: FakeTelegram
) -> None:
    app = build_webhook_app(intake, secret=SECRET, path="/hook")
    async with TestClient(TestServer(app)) as client:
        assert await _post(client, help_update(), secret=None) == 401
        assert await _post(client, help_update(), secret="wrong") == 401
        assert api.sent("sendMessage") == []
        assert await _post(client, help_update()) == 200
        await intake.idle()
    assert api.last("sendMessage", chat_id=1001).text


async def test_a_body_that_is_not_an_update_is_refused(intake: Intake, api: FakeTelegram) -> None:
    app = build_webhook_app(intake, secret=SECRET, path="/hook")
    async with TestClient(TestServer(app)) as client:
        assert await _post(client, ["not", "an", "update"]) == 400
        assert await _post(client, {"update_id": "7"}) == 400
        response = await client.post("/hook", data=b"{oops", headers={SECRET_HEADER: SECRET})
        assert response.status == 400
    assert api.requests == []


async def test_a_replayed_update_is_stored_and_handled_once(
    intake: Intake, api: FakeTelegram, session
) -> None:
    """Telegram re-sends an update it got no 200 for; the second copy changes nothing."""
    app = build_webhook_app(intake, secret=SECRET, path="/hook")
    async with TestClient(TestServer(app)) as client:
        assert await _post(client, help_update(41)) == 200
        await intake.idle()
        assert await _post(client, help_update(41)) == 200
        await intake.idle()
    assert len(api.sent("sendMessage", chat_id=1001)) == 1
    row = await session.get(InboxUpdate, 41)
    assert row is not None and row.status == InboxStatus.DONE


async def test_an_update_the_database_cannot_store_gets_503(
    dp: Dispatcher, bot: Bot, api: FakeTelegram, session_factory, clock
) -> None:
    """No 200 without the inbox row: Telegram keeps the update and sends it again."""
    database = FlakyDatabase(session_factory)
    intake = Intake(dp, bot, database, instance="t", mode="webhook", clock=clock)  # type: ignore[arg-type]
    await intake.start()
    app = build_webhook_app(intake, secret=SECRET, path="/hook")
    async with TestClient(TestServer(app)) as client:
        database.down = True
        assert await _post(client, help_update(51)) == 503
        database.down = False
        assert await _post(client, help_update(51)) == 200  # Telegram's next try
        await intake.idle()
    await intake.stop()
    assert len(api.sent("sendMessage", chat_id=1001)) == 1


class FlakyDatabase:
    """A session factory whose database can be switched off (the outer boundary)."""

    def __init__(self, factory) -> None:
        self.factory, self.down = factory, False

    def __call__(self):
        if self.down:
            raise OperationalError("connect", {}, ConnectionRefusedError("database is down"))
        return self.factory()


async def test_every_update_is_in_the_inbox_before_it_is_handled(
    intake: Intake, api: FakeTelegram, session
) -> None:
    app = build_webhook_app(intake, secret=SECRET, path="/hook")
    async with TestClient(TestServer(app)) as client:
        for update_id in range(100, 110):
            assert await _post(client, help_update(update_id)) == 200
        await intake.idle()
    rows = (await session.execute(select(InboxUpdate))).scalars().all()
    assert sorted(r.update_id for r in rows) == list(range(100, 110))
    assert {r.status for r in rows} == {InboxStatus.DONE}
    assert all(r.owner == "test:webhook" and r.received_at is not None for r in rows)
