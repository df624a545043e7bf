"""What signing in from inside each messenger (企业微信, 钉钉, 飞书) has in common, through
real HTTP: the directory's 工号 places the member, and a stale code, a throttle, an app
token expired early and an outage are each explained or recovered from."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.web import signin_kit as kit
from tests.web.conftest import WebServer
from tests.web.demo import build_plant
from tests.web.messengers import MESSENGERS, Messenger, running
from tests.web.signin_kit import browser_client, identities, serving, who


@pytest.fixture(params=sorted(MESSENGERS))
def platform(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def messenger(platform: str) -> Messenger:
    return MESSENGERS[platform]


@pytest.fixture
async def fake(messenger: Messenger) -> AsyncIterator[Any]:
    async with running(messenger.make()) as started:
        yield started


@pytest.fixture
async def server(
    settings, session_factory, bot, clock, messenger: Messenger, fake
) -> AsyncIterator[WebServer]:
    async with serving(settings, session_factory, bot, clock, **messenger.settings(fake)) as web:
        yield web


async def test_the_directorys_employee_no_places_the_member(
    platform: str, messenger: Messenger, fake, server: WebServer, session, clock
):
    plant = await build_plant(session, clock, workers=3)
    worker = plant.workers[1]
    account = messenger.prefix + "manager4220"
    messenger.member(fake, account, "张伟", worker.employee_no or "")
    fake.signed_in = account
    async with browser_client() as client:
        landed = await kit.sign_in(client, server, plant.competition.id, platform)
        assert landed.url.path == "/quiz"
        me = await who(client, server)
    assert me["name"] == worker.real_name and me["via"] == platform
    assert await identities(session) == [(platform, account, worker.id)]


async def test_a_stale_code_a_throttle_an_expired_token_and_an_outage_are_handled(
    platform: str, messenger: Messenger, fake, server: WebServer, session, clock
):
    plant = await build_plant(session, clock, workers=1)
    cid = plant.competition.id
    messenger.member(fake, "u1", "张伟", plant.workers[0].employee_no or "")
    fake.signed_in = "u1"
    async with browser_client() as client:
        callback = await kit.callback_url(client, server, cid, platform)
        fake.now += 301  # the code lived five minutes
        stale = await client.get(callback)
        assert stale.status == 400 and "登录凭证已失效" in await stale.text()
        fake.throttled = True
        busy = await kit.sign_in(client, server, cid, platform)
        assert busy.status == 503 and "登录的人太多" in await busy.text()
        fake.throttled = False
        assert (await kit.sign_in(client, server, cid, platform)).url.path == "/quiz"
        fake.expire_tokens()  # the app token refused before its time: renewed once
        fetched = fake.token_fetches
        assert (await kit.sign_in(client, server, cid, platform)).url.path == "/quiz"
        assert fake.token_fetches == fetched + 1
        callback = await kit.callback_url(client, server, cid, platform)
        await fake.stop()  # unreachable between the redirect and the code exchange
        down = await client.get(callback)
        assert down.status == 503 and f"暂时连不上{messenger.name}" in await down.text()
        await fake.start()
    assert await identities(session) == [(platform, "u1", plant.workers[0].id)]
