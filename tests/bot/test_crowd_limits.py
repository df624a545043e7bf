"""A crowd against Telegram's real flood limits: every reply reaches every worker.

The fake Bot API keeps Telegram's limits on every message into a chat (30/s per bot, one a
second per chat with a short burst, 429 with ``retry_after`` beyond them), and the bot runs
with the production sender and its real limits. 100 and 200 roster workers tap their join
link, type their 工号 and tap 是我，确认 (twice) at the same moment: each gets every reply,
nobody reads an error, and every update is handled.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.factory import blocked_hook, create_bot, create_dispatcher
from bot.fsm_storage import DatabaseStorage
from bot.intake import Intake
from bot.models import InboxStatus, InboxUpdate
from bot.webhook import SECRET_HEADER, build_webhook_app
from contest.models import Worker
from i18n import t
from tests.bot.fixtures import add_teams
from tests.fakes.crowd import Person
from tests.fakes.limited import LimitedTelegram

SECRET = "crowd-secret"
FIRST = 60_000


@pytest.fixture
async def limited_intake(
    settings, session_factory, clock
) -> AsyncIterator[tuple[Intake, LimitedTelegram]]:
    """The production intake, dispatcher and sender (Telegram's real limits) on a fake that
    answers 429 beyond them."""
    api = LimitedTelegram()
    bot = create_bot(settings, session=api, on_blocked=blocked_hook(session_factory))
    dp = create_dispatcher(
        settings, session_factory, storage=DatabaseStorage(session_factory), clock=clock
    )
    intake = Intake(dp, bot, session_factory, instance="limits", mode="webhook", clock=clock)
    await intake.start()
    yield intake, api
    await intake.stop()
    await bot.session.close()


async def deliver(client: TestClient, update: dict[str, Any]) -> None:
    """As Telegram does: an update that got no 200 (a busy database) is delivered again."""
    for _ in range(60):
        response = await client.post("/webhook", json=update, headers={SECRET_HEADER: SECRET})
        if response.status == 200:
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"update {update['update_id']} never got a 200")


@pytest.mark.parametrize("crowd", [100, 200])
async def test_a_roster_crowd_joins_under_telegrams_limits_and_every_reply_arrives(
    crowd: int, limited_intake: tuple[Intake, LimitedTelegram], session
) -> None:
    intake, api = limited_intake
    team, _ = await add_teams(session)
    session.add_all(
        Worker(real_name=f"工人{i:03d}", employee_no=f"E{i:03d}", team_id=team.id)
        for i in range(crowd)
    )
    await session.commit()
    people = [Person(api, FIRST + i, f"工人{i:03d}") for i in range(crowd)]
    its_me = t("start.button.its_me", "zh")
    app = build_webhook_app(intake, secret=SECRET)
    async with TestClient(TestServer(app)) as client:
        for step in (
            [lambda p: p.says("/start TEAM01")],
            [lambda p: p.says(f"E{p.id - FIRST:03d}")],
            [lambda p: p.taps(its_me), lambda p: p.taps(its_me)],  # a double tap
        ):
            await asyncio.gather(*(deliver(client, make(p)) for p in people for make in step))
            await intake.idle(within=300)

    registered = await session.scalar(
        select(func.count()).select_from(Worker).where(Worker.registered_at.is_not(None))
    )
    assert registered == crowd
    # "Busy, your tap is kept" may be said on a loaded machine (the database's pool): the
    # real reply must follow it. Nothing else went wrong.
    assert not [r for r in api.requests if r.text == t("common.unknown_error", "zh")]
    welcome, busy = t("start.welcome", "zh"), t("common.busy", "zh")
    for person in people:
        name = f"工人{person.id - FIRST:03d}"
        done = t("start.registered", "zh", name=name)
        shown = [m.get("text", "") for m in person.messages()]
        # Two messages: the welcome asking for the 工号, then the roster card — edited in
        # place into "registered, joined, menu" when 是我 is tapped. (On a loaded machine a
        # typed 工号 may first be answered "busy, kept" when the database's pool is slow.)
        real = [text for text in shown if text != busy]
        assert len(real) == 2 and welcome in real[0] and done in real[1], (person.id, shown)
        landed = [method for _, chat, method in api.accepted if chat == person.id]
        assert landed.count("sendMessage") == len(shown), landed
    statuses = (
        await session.execute(select(InboxUpdate.status, func.count()).group_by(InboxUpdate.status))
    ).all()
    assert dict(statuses) == {InboxStatus.DONE: crowd * 4}
    assert api.control.peak_per_second() <= 30  # the fake let nothing over the limit through
