"""Signing in from inside 钉钉 through real HTTP: our server, the fake DingTalk (login page,
user token, users/me, app token, getbyunionid, user/get), a client that follows the
redirects as the in-app browser does. What all three messengers share is in
test_signin_messengers.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from contest.identities import link_identity
from tests.fakes.signin_dingtalk import FakeDingTalk
from tests.web import signin_kit as kit
from tests.web.conftest import WebServer
from tests.web.demo import build_plant
from tests.web.messengers import dingtalk_settings, running
from tests.web.signin_kit import browser_client, identities, serving, who


@pytest.fixture
async def dingtalk() -> AsyncIterator[FakeDingTalk]:
    async with running(FakeDingTalk()) as fake:
        yield fake


@pytest.fixture
async def server(settings, session_factory, bot, clock, dingtalk) -> AsyncIterator[WebServer]:
    overrides = dingtalk_settings(dingtalk)
    async with serving(settings, session_factory, bot, clock, **overrides) as web:
        yield web


async def sign_in(client: Any, server: WebServer, competition_id: int, lang: str = "") -> Any:
    return await kit.sign_in(client, server, competition_id, "dingtalk", lang)


async def test_the_mobile_places_a_member_and_a_linked_account_skips_the_directory(
    server: WebServer, dingtalk: FakeDingTalk, session, clock
):
    plant = await build_plant(session, clock, workers=3)
    first, second = plant.workers[1], plant.workers[2]
    first.mobile, first.on_roster = "13912345678", True
    await link_identity(session, platform="dingtalk", external_id="linked", worker_id=second.id)
    await session.commit()
    dingtalk.member("m1", name="王芳", mobile="13912345678")
    dingtalk.member("linked", name="改了名", job_number="QA1000")  # the directory moved on
    for userid, worker in (("m1", first), ("linked", second)):
        dingtalk.signed_in = userid
        async with browser_client() as client:
            assert (await sign_in(client, server, plant.competition.id)).url.path == "/quiz"
            assert (await who(client, server))["name"] == worker.real_name


async def test_another_organisation_or_a_stranger_signs_nobody_in(
    server: WebServer, dingtalk: FakeDingTalk, session, clock
):
    plant = await build_plant(session, clock, workers=2)
    cid = plant.competition.id
    dingtalk.member("x1", name="外人", job_number="QA1000")
    dingtalk.signed_in = "x1"
    async with browser_client() as client:
        dingtalk.other_org.add("x1")  # chose another organisation on DingTalk's page
        other = await sign_in(client, server, cid, "en")
        assert other.status == 403 and "cannot use the app" in await other.text()
        dingtalk.other_org.clear()
        dingtalk.member("x2", name="路人", job_number="Z999")
        dingtalk.signed_in = "x2"
        unplaced = await sign_in(client, server, cid)
        text = await unplaced.text()
        assert unplaced.status == 403 and "钉钉通讯录" in text and "/join/" not in text
    assert await identities(session) == []
