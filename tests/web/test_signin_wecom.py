"""Signing in from inside 企业微信 through real HTTP: our server, the fake WeCom (authorize
page and qyapi), an HTTP client that follows the redirects as the in-app browser does. What
all three messengers share is in test_signin_messengers.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from contest.identities import WorkerIdentity, link_identity
from contest.models import Worker
from contest.web_access import set_roster_login
from tests.fakes.signin_platform import USER_COOKIE
from tests.fakes.signin_wecom import FakeWeCom
from tests.web import signin_kit as kit
from tests.web.conftest import WebServer
from tests.web.demo import build_plant
from tests.web.messengers import running, wecom_settings
from tests.web.signin_kit import IN_APP_UA, browser_client, identities, serving, who


@pytest.fixture
async def wecom() -> AsyncIterator[FakeWeCom]:
    async with running(FakeWeCom()) as fake:
        yield fake


@pytest.fixture
async def server(settings, session_factory, bot, clock, wecom) -> AsyncIterator[WebServer]:
    async with serving(settings, session_factory, bot, clock, **wecom_settings(wecom)) as web:
        yield web


async def sign_in(client: Any, server: WebServer, competition_id: int, lang: str = "") -> Any:
    return await kit.sign_in(client, server, competition_id, "wecom", lang)


async def callback_url(client: Any, server: WebServer, competition_id: int) -> str:
    return await kit.callback_url(client, server, competition_id, "wecom")


async def test_a_member_whose_custom_field_holds_the_employee_no_lands_on_the_quiz(
    server: WebServer, wecom: FakeWeCom, session, clock
):
    plant = await build_plant(session, clock, workers=3)
    worker = plant.workers[1]
    wecom.member("zhangwei", name="张伟", number_attr=" QA1001 ")
    wecom.signed_in = "zhangwei"
    async with browser_client() as client:
        response = await sign_in(client, server, plant.competition.id)
        assert response.status == 200
        assert response.url.path == "/quiz" and response.url.query["c"] == str(plant.competition.id)
        me = await who(client, server)
    assert me["name"] == worker.real_name and me["via"] == "wecom"
    assert await identities(session) == [("wecom", "zhangwei", worker.id)]
    assert wecom.calls[:2] == ["/connect/oauth2/authorize", "/cgi-bin/gettoken"]


async def test_the_alias_or_the_userid_itself_can_be_the_employee_no(
    server: WebServer, wecom: FakeWeCom, session, clock
):
    plant = await build_plant(session, clock, workers=3)
    wecom.member("li", name="王芳", alias="QA1001")
    wecom.member("QA1002", name="李娜")
    for userid in ("li", "QA1002"):
        wecom.signed_in = userid
        async with browser_client() as client:
            assert (await sign_in(client, server, plant.competition.id)).url.path == "/quiz"
            await who(client, server)
    ids = {w.id for w in plant.workers[1:3]}
    assert {worker_id for _, _, worker_id in await identities(session)} == ids
    assert wecom.token_fetches == 1  # the app token is cached across sign-ins


async def test_the_mobile_places_a_member_with_the_privateinfo_scope(
    settings, session_factory, bot, clock, wecom: FakeWeCom, session
):
    plant = await build_plant(session, clock, workers=2)
    worker = plant.workers[0]
    worker.mobile, worker.on_roster = "13800138000", True
    await session.commit()
    wecom.member("wang", name="张伟", mobile="+86 138-0013-8000")
    wecom.signed_in = "wang"
    private = wecom_settings(wecom, wecom_oauth_scope="snsapi_privateinfo")
    async with (
        serving(settings, session_factory, bot, clock, **private) as web_server,
        browser_client() as client,
    ):
        assert (await sign_in(client, web_server, plant.competition.id)).url.path == "/quiz"
        assert (await who(client, web_server))["name"] == worker.real_name
    assert "/cgi-bin/auth/getuserdetail" in wecom.calls
    assert await identities(session) == [("wecom", "wang", worker.id)]


async def test_a_linked_account_signs_in_as_its_worker_whatever_the_directory_says(
    server: WebServer, wecom: FakeWeCom, session, clock
):
    plant = await build_plant(session, clock, workers=3)
    worker = plant.workers[2]
    await link_identity(session, platform="wecom", external_id="old", worker_id=worker.id)
    await session.commit()
    wecom.member("old", name="某人", alias="NOBODY")
    wecom.signed_in = "old"
    async with browser_client() as client:
        assert (await sign_in(client, server, plant.competition.id)).url.path == "/quiz"
        assert (await who(client, server))["name"] == worker.real_name


async def test_a_member_the_roster_does_not_know_is_offered_the_roster_sign_in_when_open(
    server: WebServer, wecom: FakeWeCom, session, clock
):
    plant = await build_plant(session, clock, workers=2)
    competition_id = plant.competition.id
    wecom.member("stranger", name="路人", alias="X9999", mobile="13900000000")
    wecom.signed_in = "stranger"
    async with browser_client() as client:
        closed = await sign_in(client, server, competition_id)
        text = await closed.text()
        assert closed.status == 403 and "名单中没有找到你" in text and "/join/" not in text
        await set_roster_login(
            session, competition_id=competition_id, enabled=True, changed_by=1, clock=clock
        )
        await session.commit()
        opened = await sign_in(client, server, competition_id, lang="en")
        text = await opened.text()
        assert opened.status == 403 and "You are not on the list" in text
        assert f'href="/join/{competition_id}?form=1&amp;lang=en"' in text
        # Inside WeCom the sign-in page goes straight to WeCom's sign-in; with ?form=1 (the
        # way back from a failed one) it shows the form with WeCom's button. Outside WeCom,
        # where its authorisation cannot work, there is no WeCom button.
        inside = {"User-Agent": IN_APP_UA["wecom"]}
        page = f"{server.url}/join/{competition_id}"
        direct = await client.get(page, headers=inside, allow_redirects=False)
        assert direct.headers["Location"] == f"/join/{competition_id}/wecom"
        form = await client.get(page + "?form=1", headers=inside)
        assert f'href="/join/{competition_id}/wecom"' in await form.text()
        outside = await client.get(page)
        assert outside.status == 200 and "/wecom" not in await outside.text()
        assert (await client.get(f"{server.url}/api/session")).status == 401
    assert await identities(session) == []


async def test_an_expired_forged_or_foreign_state_signs_nobody_in(
    server: WebServer, wecom: FakeWeCom, session, clock
):
    plant = await build_plant(session, clock, workers=2)
    wecom.member("QA1000", name="张伟")
    wecom.signed_in = "QA1000"
    async with browser_client() as client:
        callback = await callback_url(client, server, plant.competition.id)
        clock.advance(minutes=11)
        late = await client.get(callback)
        assert late.status == 400 and "登录已超时" in await late.text()
        clock.advance(minutes=-11)
        forged = await client.get(callback.replace("state=c", "state=c9"))
        assert forged.status == 400 and "登录链接不正确" in await forged.text()
        foreign = await client.get(callback.replace("/done/wecom", "/done/feishu"))
        assert foreign.status == 404
    async with browser_client() as other_browser:  # someone else's callback, not their cookie
        stolen = await other_browser.get(callback)
        assert stolen.status == 400
        assert (await other_browser.get(f"{server.url}/api/session")).status == 401
    assert await identities(session) == []


async def test_a_used_code_stays_on_the_quiz_and_an_outsider_is_explained(
    server: WebServer, wecom: FakeWeCom, session, clock
):
    plant = await build_plant(session, clock, workers=2)
    wecom.member("QA1000", name="张伟")
    wecom.signed_in = "QA1000"
    async with browser_client() as client:
        assert (await sign_in(client, server, plant.competition.id)).url.path == "/quiz"
        # A reload of the callback (or Back) after signing in stays on the quiz.
        callback = await callback_url(client, server, plant.competition.id)
        assert (await client.get(callback)).url.path == "/quiz"
        assert (await client.get(callback)).url.path == "/quiz"
    async with browser_client() as client:
        wecom.outsiders.add("QA1000")
        outsider = await sign_in(client, server, plant.competition.id)
        assert outsider.status == 403 and "不能使用本应用" in await outsider.text()


async def test_a_wrong_secret_is_an_explained_failure_not_a_500(
    settings, session_factory, bot, clock, wecom: FakeWeCom, session
):
    plant = await build_plant(session, clock, workers=1)
    wecom.member("QA1000", name="张伟")
    wecom.signed_in = "QA1000"
    wrong = wecom_settings(wecom, wecom_secret=SecretStr("x"))
    async with (
        serving(settings, session_factory, bot, clock, **wrong) as web_server,
        browser_client() as client,
    ):
        response = await sign_in(client, web_server, plant.competition.id, lang="en")
        assert response.status == 503 and "WeCom cannot be reached" in await response.text()


async def test_unknown_competition_or_platform_is_a_translated_404(
    server: WebServer, wecom: FakeWeCom, session, clock
):
    wecom.member("QA1000", name="张伟")
    wecom.signed_in = "QA1000"
    async with browser_client() as client:
        # An unknown competition is found out at the callback (the first hop reads nothing).
        for path in ("/join/424242/wecom", "/join/1/dingtalk", "/join/99999999999/wecom"):
            response = await client.get(f"{server.url}{path}")
            assert response.status == 404 and "找不到这个登录入口" in await response.text()
        assert (await client.get(f"{server.url}/api/session")).status == 401


async def test_a_crowd_signing_in_at_once_links_each_account_once(
    server: WebServer, wecom: FakeWeCom, session, clock
):
    plant = await build_plant(session, clock, workers=12)
    for worker in plant.workers:
        wecom.member(f"u{worker.id}", name=worker.real_name, alias=worker.employee_no or "")

    async def one(worker: Worker) -> str:
        async with browser_client() as client:
            client.cookie_jar.update_cookies({USER_COOKIE: f"u{worker.id}"})
            landed = await client.get(await callback_url(client, server, plant.competition.id))
            return (await who(client, server))["name"] if landed.url.path == "/quiz" else ""

    twice = plant.workers + plant.workers[:4]  # four workers open the link in two tabs
    names = await asyncio.gather(*(one(worker) for worker in twice))
    assert names == [worker.real_name for worker in twice]
    count = (await session.execute(select(func.count()).select_from(WorkerIdentity))).scalar()
    assert count == 12


async def test_any_callback_or_start_address_gets_a_page_not_a_500(
    server: WebServer, wecom: FakeWeCom, session, clock
):
    plant = await build_plant(session, clock, workers=1)
    cid = plant.competition.id
    wecom.member("QA1000", name="张伟")
    wecom.signed_in = "QA1000"
    odd = [
        "",
        "state=",
        "state=c1lzhe1n0s0",
        "state=%E5%B7%A5%E5%8F%B7",
        "code=x&state=" + "c" * 600,
        "state=c1lzhe99999999999n0123456789abcdefs" + "0" * 32,
        "error=access_denied",
        "code=%00%0A&state=%FF",
        "state=a&state=b&code=1&code=2",
    ]
    async with browser_client() as client:
        callback = await kit.callback_url(client, server, cid, "wecom")
        state = callback.split("state=", 1)[1]
        odd += [f"code={'9' * 600}&state={state}", f"code=%E4%BD%A0&state={state}"]
        for query in odd:
            response = await client.get(f"{server.url}/join/done/wecom?{query}")
            assert 400 <= response.status < 500 or response.status == 503, query
            assert "<h1>" in await response.text()
        for path in (
            "/join/0/wecom",
            "/join/1/%E4%BD%A0",
            "/join/done/x",
            "/join/1/wecom?lang=%FF",
        ):
            response = await client.get(f"{server.url}{path}")
            assert response.status < 500, path
