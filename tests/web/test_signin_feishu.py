"""Signing in from inside 飞书 through real HTTP: our server, the fake Feishu (authorize
page, OAuth token, user_info, tenant token and directory), a client that follows the
redirects as the in-app browser does. What all three messengers share is in
test_signin_messengers.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from contest.web_access import set_roster_login
from tests.fakes.signin_feishu import FakeFeishu
from tests.web import signin_kit as kit
from tests.web.conftest import WebServer
from tests.web.demo import build_plant
from tests.web.messengers import feishu_settings, running
from tests.web.signin_kit import browser_client, identities, serving, who


@pytest.fixture
async def feishu() -> AsyncIterator[FakeFeishu]:
    async with running(FakeFeishu()) as fake:
        yield fake


@pytest.fixture
async def server(settings, session_factory, bot, clock, feishu) -> AsyncIterator[WebServer]:
    async with serving(settings, session_factory, bot, clock, **feishu_settings(feishu)) as web:
        yield web


async def sign_in(client: Any, server: WebServer, competition_id: int, lang: str = "") -> Any:
    return await kit.sign_in(client, server, competition_id, "feishu", lang)


async def test_the_mobile_places_a_member_without_an_employee_no(
    server: WebServer, feishu: FakeFeishu, session, clock
):
    plant = await build_plant(session, clock, workers=2)
    worker = plant.workers[0]
    worker.mobile, worker.on_roster = "15500001111", True
    await session.commit()
    feishu.member("ou_mobile", name="张伟", mobile="+8615500001111")
    feishu.signed_in = "ou_mobile"
    async with browser_client() as client:
        assert (await sign_in(client, server, plant.competition.id, "en")).url.query["lang"] == "en"
        assert (await who(client, server))["name"] == worker.real_name


async def test_outside_the_directory_range_or_unknown_falls_back_to_the_roster_form(
    server: WebServer, feishu: FakeFeishu, session, clock
):
    plant = await build_plant(session, clock, workers=2)
    cid = plant.competition.id
    await set_roster_login(session, competition_id=cid, enabled=True, changed_by=1, clock=clock)
    await session.commit()
    feishu.member("ou_hidden", name="张伟", employee_no="QA1000")
    feishu.hidden.add("ou_hidden")  # 41050: the app may not read this member's entry
    feishu.signed_in = "ou_hidden"
    async with browser_client() as client:
        page = await sign_in(client, server, cid)
        text = await page.text()
        assert (
            page.status == 403
            and "名单中没有找到你" in text
            and f'href="/join/{cid}?form=1"' in text
        )
    assert await identities(session) == []


async def test_declined_or_forbidden_sign_ins_are_explained(
    server: WebServer, feishu: FakeFeishu, session, clock
):
    plant = await build_plant(session, clock, workers=2)
    cid = plant.competition.id
    feishu.member("ou_a", name="张伟", employee_no="QA1000")
    feishu.signed_in = "ou_a"
    async with browser_client() as client:
        feishu.declines = True
        declined = await sign_in(client, server, cid)
        assert declined.status == 403 and "没有完成授权" in await declined.text()
        feishu.declines = False
        feishu.not_allowed.add("ou_a")  # 20010: outside the app's 可用范围
        denied = await sign_in(client, server, cid)
        assert denied.status == 403 and "不能使用本应用" in await denied.text()
        feishu.not_allowed.clear()
        assert (await sign_in(client, server, cid)).url.path == "/quiz"
    assert len(await identities(session)) == 1


async def test_a_state_issued_for_wecom_does_not_pass_on_feishu(
    server: WebServer, feishu: FakeFeishu, session, clock
):
    plant = await build_plant(session, clock, workers=1)
    feishu.member("ou_a", name="张伟", employee_no="QA1000")
    feishu.signed_in = "ou_a"
    async with browser_client() as client:
        callback = await kit.callback_url(client, server, plant.competition.id, "feishu")
        response = await client.get(callback.replace("/done/feishu", "/done/wecom"))
        assert response.status == 404  # WeCom is not configured here
        from web.oauth.state import make_state, read_state

        state = make_state(
            server.settings.web_key,
            platform="wecom",
            competition_id=1,
            lang="zh",
            nonce="0" * 16,
            now=clock(),
        )
        assert read_state(server.settings.web_key, state, platform="feishu", now=clock()) is None
        assert read_state(server.settings.web_key, state, platform="wecom", now=clock())


async def test_with_the_roster_form_closed_the_sign_in_page_offers_feishu_alone(
    server: WebServer, feishu: FakeFeishu, session, clock
):
    plant = await build_plant(session, clock, workers=1)
    cid = plant.competition.id
    feishu.member("ou_a", name="张伟", employee_no="QA1000")
    feishu.signed_in = "ou_a"
    async with browser_client() as client:
        page = await client.get(f"{server.url}/join/{cid}")  # any browser: Feishu's QR login
        text = await page.text()
        assert page.status == 200 and 'name="employee_no"' not in text
        assert f'href="/join/{cid}/feishu"' in text and "飞书一键登录" in text
        inside = {"User-Agent": kit.IN_APP_UA["feishu"]}
        direct = await client.get(f"{server.url}/join/{cid}", headers=inside)
        assert direct.url.path == "/quiz"  # inside Feishu: straight through
