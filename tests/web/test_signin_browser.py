"""The whole sign-in dance in Chromium on a phone, as each messenger's in-app browser: the
competition's sign-in page shows the messenger's button, a tap goes through the (fake)
platform's authorisation page and back, and the quiz greets the worker by name — nothing
typed; the big screen's QR address goes there directly; a stranger gets the 工号 form."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from playwright.async_api import expect
from pydantic import SecretStr

from contest.web_access import set_roster_login
from tests.fakes.signin_dingtalk import FakeDingTalk
from tests.fakes.signin_feishu import FakeFeishu
from tests.fakes.signin_platform import USER_COOKIE, FakePlatform
from tests.fakes.signin_wecom import FakeWeCom
from tests.web.conftest import keep_screenshot
from tests.web.demo import build_plant
from tests.web.signin_kit import IN_APP_UA, identities, serving
from tests.web.test_browser import PHONE


def _wecom(worker_no: str, name: str) -> tuple[FakePlatform, Callable[[str], dict[str, Any]]]:
    fake = FakeWeCom()
    fake.member("wx-" + worker_no, name=name, alias=worker_no)
    fake.member("wx-nobody", name="路人", alias="Z999")
    fake.signed_in = "wx-" + worker_no

    def settings(url: str) -> dict[str, Any]:
        return {
            "wecom_corp_id": fake.corp_id,
            "wecom_agent_id": fake.agent_id,
            "wecom_secret": SecretStr(fake.secret),
            "wecom_api_base": url,
            "wecom_oauth_base": url,
        }

    return fake, settings


def _feishu(worker_no: str, name: str) -> tuple[FakePlatform, Callable[[str], dict[str, Any]]]:
    fake = FakeFeishu()
    fake.member("ou_" + worker_no, name=name, employee_no=worker_no)
    fake.member("ou_nobody", name="路人", employee_no="Z999")
    fake.signed_in = "ou_" + worker_no

    def settings(url: str) -> dict[str, Any]:
        return {
            "feishu_app_id": fake.app_id,
            "feishu_app_secret": SecretStr(fake.secret),
            "feishu_api_base": url,
            "feishu_accounts_base": url,
        }

    return fake, settings


def _dingtalk(worker_no: str, name: str) -> tuple[FakePlatform, Callable[[str], dict[str, Any]]]:
    fake = FakeDingTalk()
    fake.member("dt" + worker_no, name=name, job_number=worker_no)
    fake.member("dtnobody", name="路人", job_number="Z999")
    fake.signed_in = "dt" + worker_no

    def settings(url: str) -> dict[str, Any]:
        return {
            "dingtalk_client_id": fake.client_id,
            "dingtalk_client_secret": SecretStr(fake.secret),
            "dingtalk_api_base": url,
            "dingtalk_oapi_base": url,
            "dingtalk_login_base": url,
        }

    return fake, settings


PLATFORMS = {
    "wecom": (_wecom, "企业微信一键登录", "wx-"),
    "feishu": (_feishu, "飞书一键登录", "ou_"),
    "dingtalk": (_dingtalk, "钉钉一键登录", "dt"),
}


@pytest.fixture(params=sorted(PLATFORMS))
def platform(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def started(platform: str, session, clock) -> AsyncIterator[tuple[Any, Any, Any]]:
    plant = await build_plant(session, clock, workers=3)
    worker = plant.workers[1]
    make, _, _ = PLATFORMS[platform]
    fake, settings = make(worker.employee_no or "", worker.real_name)
    await fake.start()
    yield plant, fake, settings(fake.url)
    await fake.stop()


async def test_a_tap_on_the_messenger_button_signs_the_worker_in_on_a_phone(
    platform: str, started, browser: Any, settings, session_factory, bot, clock, session
):
    plant, fake, overrides = started
    competition_id = plant.competition.id
    worker = plant.workers[1]
    await set_roster_login(
        session, competition_id=competition_id, enabled=True, changed_by=1, clock=clock
    )
    await session.commit()
    _, label, prefix = PLATFORMS[platform]
    in_app = {**PHONE, "user_agent": IN_APP_UA[platform]}
    # (WeCom's #wechat_redirect may ride along: a browser keeps the fragment on redirects)
    on_quiz = re.compile(rf"/quiz\?c={competition_id}(#.*)?$")
    async with serving(settings, session_factory, bot, clock, **overrides) as server:
        context = await browser.new_context(**in_app)
        page = await context.new_page()
        await page.goto(f"{server.url}/join/{competition_id}?form=1")
        button = page.locator(f'a[data-platform="{platform}"]')
        await expect(button).to_have_text(label)
        box = await button.bounding_box()
        assert box is not None and box["height"] >= 56 and box["width"] >= 300  # thumb-sized
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # no horizontal scroll
        if shot := keep_screenshot(f"signin-{platform}.png"):
            await page.screenshot(path=str(shot))
        await button.click()
        await page.wait_for_url(on_quiz)
        await expect(page.locator("h1")).to_contain_text(worker.real_name)
        await context.close()
        # The big screen's QR code (/join/N) scanned inside the app: straight to the quiz.
        context = await browser.new_context(**in_app)
        page = await context.new_page()
        await page.goto(f"{server.url}/join/{competition_id}")
        await page.wait_for_url(on_quiz)
        await expect(page.locator("h1")).to_contain_text(worker.real_name)
        await context.close()
        # Someone the directory does not place is offered the 工号 + 姓名 form.
        context = await browser.new_context(**in_app)
        await context.add_cookies(
            [{"name": USER_COOKIE, "value": prefix + "nobody", "url": fake.url}]
        )
        stranger = await context.new_page()
        await stranger.goto(f"{server.url}/join/{competition_id}")
        await expect(stranger.locator("h1")).to_have_text("名单中没有找到你")
        if shot := keep_screenshot(f"signin-{platform}-unplaced.png"):
            await stranger.screenshot(path=str(shot))
        await stranger.click(f'a[href="/join/{competition_id}?form=1"]')
        await expect(stranger.locator('input[name="employee_no"]')).to_be_visible()
        await context.close()
    assert await identities(session) == [(platform, prefix + (worker.employee_no or ""), worker.id)]
