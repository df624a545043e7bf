"""The live final in real Chromium: the host's taps on a phone, a team's buzzer, and the
hall's screen following them (the sounded cue on 开始, the first buzz, the score's change,
the podium); a laptop console driven by its keyboard shortcuts. Screenshots of the three
pages at phone and wall sizes go to docs/screens with QQ_SCREENSHOTS=1."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from playwright.async_api import Page, expect

from contest.admin.policy import Actor
from contest.live.links import issue_links
from storage.types import utcnow
from tests.bot.conftest import ADMIN_ID
from tests.conftest import MovableClock
from tests.contest.live.fixtures import act, build_final, segment
from tests.web.conftest import WebServer, keep_screenshot
from tests.web.test_browser import PHONE, WALL


class WallClock(MovableClock):
    def __call__(self):  # type: ignore[override]
        return utcnow()


@pytest.fixture
def clock() -> MovableClock:
    return WallClock()


async def _open(browser: Any, url: str, size: dict[str, Any], errors: list[str]) -> Page:
    page = await browser.new_page(**size)
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(url)
    return page


async def _shot(page: Page, name: str) -> None:
    path = keep_screenshot(name)
    if path is not None:
        await page.screenshot(path=str(path))


async def test_the_stage_follows_the_host_and_a_buzzer_in_chromium(
    web_server: WebServer, browser: Any, clock
):
    setup = await build_final(
        web_server.session_factory,
        clock,
        teams=8,
        segments=[segment("buzzer", 3), segment("risk", 8)],
    )
    links = await act(
        web_server.session_factory,
        issue_links,
        actor=Actor(ADMIN_ID, super_admin=True),
        final_id=setup.final_id,
        key=web_server.settings.web_key,
        clock=clock,
    )
    team = setup.teams[3]
    buzzer = next(b.token for b in links.buzzers if b.team == team.name)
    base = web_server.url
    errors: list[str] = []
    stage = await _open(browser, f"{base}/live/stage/{links.stage}", WALL, errors)
    console = await _open(browser, f"{base}/live/host/{links.host}", PHONE, errors)
    phone = await _open(browser, f"{base}/live/buzz/{buzzer}", PHONE, errors)
    await stage.click("#sound")  # the hall's operator allows the sounded cue once

    await console.click('[data-verb="next"]')
    await expect(console.locator("#stem")).not_to_be_empty()
    await expect(stage.locator("#stem")).to_have_text(await console.locator("#stem").inner_text())
    await expect(phone.locator("#buzz")).to_have_attribute("data-mode", "wait")
    await console.click('[data-verb="start"]')
    await stage.wait_for_function("() => window.__live.cues === 1")
    await expect(phone.locator("#buzz")).to_have_attribute("data-mode", "go")
    await _shot(phone, "live-buzzer-phone.png")
    await phone.locator("#buzz").dispatch_event("pointerdown")
    await expect(stage.locator("#buzzes .buzz.first")).to_contain_text(team.name)
    await expect(phone.locator("#buzz-result")).to_contain_text("抢到了")
    await expect(console.locator("#buzzes .buzz.first")).to_contain_text(team.name)
    await _shot(console, "live-console-phone.png")
    await console.click('[data-verb="right"]')
    row = stage.locator(f'#teams [data-team="{team.id}"]')
    await expect(row.locator(".score")).to_have_text("110")
    await expect(row.locator(".change")).to_have_text("+10")
    await expect(stage.locator("#answer")).to_be_visible()
    await _shot(stage, "live-stage-wall.png")

    laptop = await _open(browser, f"{base}/live/host/{links.host}", WALL, errors)
    await laptop.keyboard.press("g")  # the next segment: 风险题
    await expect(laptop.locator("#segment")).to_contain_text("风险题")
    await laptop.keyboard.press("n")
    await expect(laptop.locator("#picks .pick")).to_have_count(3)
    await laptop.keyboard.press("3")  # the third value: 50
    await expect(stage.locator("#value")).to_have_text("50 分")
    await laptop.keyboard.press(" ")
    await expect(stage.locator("#countdown")).to_be_visible()
    await _shot(laptop, "live-console-wall.png")
    small_stage = await _open(browser, f"{base}/live/stage/{links.stage}", PHONE, errors)
    await expect(small_stage.locator("#value")).to_have_text("50 分")
    await _shot(small_stage, "live-stage-phone.png")
    wide_phone = await _open(browser, f"{base}/live/buzz/{buzzer}", WALL, errors)
    await expect(wide_phone.locator("#buzz-state")).to_contain_text("不用抢答")
    await _shot(wide_phone, "live-buzzer-wall.png")
    await laptop.keyboard.press("w")
    await expect(laptop.locator("#phase")).to_have_text("答案揭晓")
    laptop.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await laptop.click('[data-verb="finish"]')
    await expect(stage.locator("#podium .step")).to_have_count(2)  # 110, then six on 100
    await expect(stage.locator("#podium .place1 .name")).to_have_text(team.name)
    await _shot(stage, "live-podium-wall.png")
    assert errors == []
