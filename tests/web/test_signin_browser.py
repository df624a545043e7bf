"""The whole sign-in dance in Chromium on a phone, as each messenger's in-app browser: the
competition's sign-in page shows the messenger's button, a tap goes through the (fake)
platform's authorisation page and back, and the quiz greets the worker by name — nothing
typed; the big screen's QR address goes there directly; a stranger gets the 工号 form."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import expect

from contest.web_access import set_roster_login
from tests.fakes.signin_platform import USER_COOKIE
from tests.web.conftest import keep_screenshot
from tests.web.demo import build_plant
from tests.web.messengers import MESSENGERS, running
from tests.web.signin_kit import IN_APP_UA, identities, serving
from tests.web.test_browser import PHONE


@pytest.fixture(params=sorted(MESSENGERS))
def platform(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def started(platform: str, session, clock) -> AsyncIterator[tuple[Any, Any, Any]]:
    plant = await build_plant(session, clock, workers=3)
    worker = plant.workers[1]
    messenger = MESSENGERS[platform]
    fake = messenger.make()
    number = worker.employee_no or ""
    messenger.member(fake, messenger.prefix + number, worker.real_name, number)
    messenger.member(fake, messenger.prefix + "nobody", "路人", "Z999")
    fake.signed_in = messenger.prefix + number
    async with running(fake):
        yield plant, fake, messenger.settings(fake)


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
    label, prefix = MESSENGERS[platform].button, MESSENGERS[platform].prefix
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
