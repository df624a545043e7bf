"""The web face in a real browser (Debian's Chromium driven by Playwright): the H5 quiz
through all four question types on a phone, the Mini App's sign-in (a signed initData and
a forged one), and the big screen following an answer made in chat within 2 s, also after
the server restarts under it."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from playwright.async_api import Page, expect

from contest.big_screen import issue_screen
from contest.signing import link_token
from tests.bot.fixtures import right_answer
from tests.bot.test_quiz import answer_current, start_quiz
from tests.web.conftest import WebServer, keep_screenshot
from tests.web.demo import build_plant, play

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",  # a worker's phone in a Chinese plant
}
WALL = {"viewport": {"width": 1920, "height": 1080}}
TOKEN = "42:TEST-TOKEN"  # the bot token of tests.bot.conftest's settings


def signed_init_data(
    user: dict[str, Any], *, at: datetime, token: str = TOKEN, age_s: int = 0
) -> str:
    """initData as Telegram signs it: HMAC-SHA256 of the sorted key=value lines with the key
    HMAC_SHA256("WebAppData", bot_token)."""
    fields = {"auth_date": str(int(at.timestamp()) - age_s), "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
              "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False)}  # fmt: skip
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields, quote_via=quote)


async def _answer_in_browser(page: Page, session_factory: Any, *, right: bool) -> str:
    card = page.locator(".question")
    await expect(card).to_be_visible()
    qtype = await card.get_attribute("data-qtype")
    attempt_id, position = await page.evaluate(
        "() => [window.__qq && window.__qq.attempt, window.__qq && window.__qq.position]"
    )
    _, answer = await right_answer(session_factory, attempt_id=attempt_id, position=position)
    if qtype == "single":
        await page.click(f'.option[data-option="{answer[0] if right else (answer[0] + 1) % 4}"]')
    elif qtype == "true_false":
        await page.click(".tf .option >> nth=" + ("0" if answer == right else "1"))
    elif qtype == "multiple":
        for option in answer if right else [2]:
            await page.click(f'.option[data-option="{option}"]')
        await page.click(".sticky-actions .primary")
    else:
        await page.fill(".blank-input", answer if right else "不知道")
        await page.click("form .primary")
    await page.wait_for_function(
        "p => (window.__qq.position !== p && document.querySelector('.question'))"
        " || document.querySelector('.summary')",
        arg=position,
    )
    return str(qtype)


async def test_h5_link_takes_the_quiz_through_all_four_types_on_a_phone(
    web_server: WebServer, browser: Any, session, clock
):
    plant = await build_plant(session, clock, workers=3)
    worker, competition = plant.workers[0], plant.competition
    link = link_token(web_server.settings.web_key, worker_id=worker.id,
                      competition_id=competition.id, ends_at=competition.ends_at)  # fmt: skip
    page = await browser.new_page(**PHONE)
    await page.goto(f"{web_server.url}/h5/{link}")
    await expect(page.locator("h1")).to_contain_text(worker.real_name)
    await page.click(f'button[data-competition="{competition.id}"]')
    seen = set()
    for i in range(5):
        seen.add(await _answer_in_browser(page, web_server.session_factory, right=i != 1))
        if i == 0 and (shot := keep_screenshot("quiz-question.png")):
            await page.screenshot(path=str(shot))
    assert seen == {"single", "multiple", "true_false", "blank"}
    summary = page.locator(".summary")
    await expect(summary).to_be_visible()
    await expect(summary.locator(".score-big")).not_to_have_text("0")
    if shot := keep_screenshot("quiz-result.png"):
        await page.screenshot(path=str(shot))
    # The same attempt, seen from the core: five answers, counted once each.
    from sqlalchemy import select

    from contest.models import Attempt

    attempt = (
        await session.execute(select(Attempt).where(Attempt.worker_id == worker.id))
    ).scalar_one()
    assert attempt.status == "finished" and attempt.correct_count == 4


async def test_tampered_or_expired_link_is_refused(web_server: WebServer, browser: Any, clock):
    page = await browser.new_page(**PHONE)
    response = await page.goto(f"{web_server.url}/h5/1.1.9999999999.AAAAAAAAAAAAAAAAAAAAAA")
    assert response is not None and response.status == 410
    await expect(page.locator("h1")).to_contain_text("链接已失效")


async def test_mini_app_signs_in_with_telegrams_init_data_and_refuses_a_forged_one(
    web_server: WebServer, browser: Any, session, clock
):
    plant = await build_plant(session, clock, workers=2)
    worker = plant.workers[0]
    user = {"id": worker.telegram_id, "first_name": "Wei", "language_code": "zh-hans"}
    page = await browser.new_page(**PHONE)
    await page.goto(
        f"{web_server.url}/app#tgWebAppData={quote(signed_init_data(user, at=clock()))}"
    )
    await expect(page.locator("h1")).to_contain_text(worker.real_name)
    if shot := keep_screenshot("miniapp-home.png"):
        await page.screenshot(path=str(shot))
    forged = signed_init_data(
        {**user, "id": plant.workers[1].telegram_id}, at=clock(), token="42:OTHER"
    )
    other = await browser.new_page(**PHONE)
    await other.goto(f"{web_server.url}/app#tgWebAppData={quote(forged)}")
    await expect(other.locator(".card p")).to_contain_text("无法确认你的 Telegram 身份")
    stale = signed_init_data(user, at=clock(), age_s=3 * 24 * 3600)
    late = await browser.new_page(**PHONE)
    await late.goto(f"{web_server.url}/app#tgWebAppData={quote(stale)}")
    await expect(late.locator(".card p")).to_contain_text("无法确认你的 Telegram 身份")


async def test_big_screen_shows_a_chat_answer_within_two_seconds_and_survives_a_restart(
    web_server: WebServer, browser: Any, session, clock, worker_chat, session_factory
):
    plant = await build_plant(session, clock, workers=6)
    for i, worker in enumerate(plant.workers[1:5]):
        await play(session_factory, clock, worker=worker, competition_id=plant.competition.id,
                   accuracy=0.5, seed=i)  # fmt: skip
    screen = await issue_screen(session, competition_id=plant.competition.id, created_by=0,
                                language="zh", clock=clock)  # fmt: skip
    await session.commit()
    page = await browser.new_page(**WALL)
    await page.goto(f"{web_server.url}/screen/{screen.token}")
    await expect(page.locator("#participants")).to_have_text("4")
    # 张三 (telegram id 1001) registers in chat and answers one question there.
    from contest.models import Worker

    session.add(Worker(telegram_id=1001, real_name="张三", registered_at=clock(),
                       team_id=plant.workers[0].team_id))  # fmt: skip
    await session.commit()
    await start_quiz(worker_chat, plant.competition.name)
    started = time.monotonic()
    await answer_current(worker_chat, session_factory)
    await expect(page.locator("#participants")).to_have_text("5", timeout=2000)
    assert time.monotonic() - started < 2.0
    await expect(page.locator("#people")).to_contain_text("张三")
    if shot := keep_screenshot("screen.png"):
        await page.screenshot(path=str(shot))
    # The bot restarts: the page reconnects by itself and shows the next answer too.
    await web_server.restart()
    await answer_current(worker_chat, session_factory)
    await answer_current(worker_chat, session_factory)
    row = page.locator("#people li", has_text="张三")
    before = await row.locator(".score").text_content()
    await expect(row.locator(".score")).not_to_have_text(before or "", timeout=8000)
    await expect(page.locator("#offline")).to_be_hidden()


async def test_roster_sign_in_at_the_door_works_in_chromium_and_locks_guessing(
    web_server: WebServer, browser: Any, session, clock
):
    """The QR code on the wall leads to /join/N: a worker types 工号 and 姓名 and is in."""
    from contest.web_access import set_roster_login

    plant = await build_plant(session, clock, workers=2)
    worker, competition = plant.workers[0], plant.competition
    await set_roster_login(
        session, competition_id=competition.id, enabled=True, changed_by=1, clock=clock
    )
    await session.commit()
    page = await browser.new_page(**PHONE)
    await page.goto(f"{web_server.url}/join/{competition.id}")
    await expect(page.locator(".competition")).to_contain_text(competition.name)
    await page.fill('input[name="employee_no"]', worker.employee_no)
    await page.fill('input[name="name"]', "王小二")
    await page.click("button[type=submit]")
    await expect(page.locator(".banner.wrong")).to_contain_text("还可以再试 4 次")
    await page.fill('input[name="employee_no"]', f" {worker.employee_no} ")
    await page.fill('input[name="name"]', worker.real_name)
    if shot := keep_screenshot("join-form.png"):
        await page.screenshot(path=str(shot))
    await page.click("button[type=submit]")
    await expect(page.locator("h1")).to_contain_text(worker.real_name)
    await page.click(f'button[data-competition="{competition.id}"]')
    await expect(page.locator(".question")).to_be_visible()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling on a phone
