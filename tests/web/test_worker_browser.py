"""A browser worker's whole story in Chromium on a phone, once per language: the home page,
a competition, 每日一练 and its streak, the result at the close with its review and
certificate, 错题本, and the profile's language switch — never wider than the screen."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from playwright.async_api import Page, expect
from sqlalchemy import select

from contest.final import settle
from contest.mistakes import mistake_questions
from contest.models import Attempt, AttemptQuestion, CompetitionStatus, Worker
from contest.signing import link_token
from tests.bot.fixtures import right_answer
from tests.turns import turn
from tests.web.conftest import WebServer, keep_screenshot
from tests.web.demo import build_plant, play
from tests.web.test_browser import PHONE

STEP_SHOWN = (
    "p => (window.__qq.position !== p && document.querySelector('.question'))"
    " || document.querySelector('.summary') || document.querySelector('.feedback')"
)


async def _answer(page: Page, session_factory: Any, *, right: bool) -> None:
    """Answer the question on screen, right or wrong, and wait for what comes next."""
    position = await _tap(page, session_factory, right=right)
    await page.wait_for_function(STEP_SHOWN, arg=position)


async def _tap(page: Page, session_factory: Any, *, right: bool) -> int:
    """Answer the question on screen; its position."""
    card = page.locator(".question")
    await expect(card).to_be_visible()
    qtype = await card.get_attribute("data-qtype")
    attempt_id, position = await page.evaluate("() => [window.__qq.attempt, window.__qq.position]")
    _, answer = await right_answer(session_factory, attempt_id=attempt_id, position=position)
    if qtype == "single":
        await page.click(f'.option[data-option="{answer[0] if right else (answer[0] + 1) % 4}"]')
    elif qtype == "true_false":
        await page.click(".tf .option >> nth=" + ("0" if answer == right else "1"))
    elif qtype == "multiple":
        for option in answer if right else ([0] if answer != [0] else [1]):
            await page.click(f'.option[data-option="{option}"]')
        await page.click(".sticky-actions .primary")
    else:
        await page.fill(".blank-input", answer if right else "不知道")
        await page.click("form .primary")
    return int(position)


async def _round(page: Page, session_factory: Any, *, wrong: set[int]) -> None:
    """A whole paper, through the feedback pages practice shows, to its summary."""
    for i in range(12):
        if await page.locator(".summary").count():
            return
        if await page.locator(".feedback").count() and not await page.locator(".question").count():
            await page.click(".sticky-actions .primary")
            await page.wait_for_function(
                "() => document.querySelector('.question') || document.querySelector('.summary')"
            )
            continue
        await _answer(page, session_factory, right=i not in wrong)
    raise AssertionError("the paper did not end")


async def _fits(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"sideways scrolling: {width}px"


async def _shot(page: Page, name: str, *, full: bool = False) -> None:
    if shot := keep_screenshot(name):
        await page.screenshot(path=str(shot), full_page=full)


async def _story(
    web_server: WebServer, browser: Any, session, clock, session_factory, lang: str
) -> None:
    zh = lang == "zh"
    plant = await build_plant(session, clock, workers=4)
    worker, competition = plant.workers[0], plant.competition
    worker.language = lang
    await session.commit()
    for other, accuracy in zip(plant.workers[1:3], (1.0, 0.0), strict=True):
        await play(
            session_factory, clock, worker=other, competition_id=competition.id, accuracy=accuracy
        )
    link = link_token(
        web_server.settings.web_key,
        worker_id=worker.id,
        competition_id=competition.id,
        ends_at=competition.ends_at,
    )
    page = await browser.new_page(**{**PHONE, "locale": "zh-CN" if zh else "en-US"})
    await page.goto(f"{web_server.url}/h5/{link}")
    offer = page.locator(".competition")
    await expect(offer).to_contain_text(competition.name)
    await expect(offer).to_contain_text("09-01 11:35")  # the close in Asia/Shanghai
    await expect(offer).to_contain_text("还可答 1 次" if zh else "Attempts left: 1")
    await expect(page.locator("#mistakes")).to_contain_text(
        "错题本是空的" if zh else "mistake book is empty"
    )
    await _fits(page)
    await _shot(page, f"worker-home-{lang}.png")

    # The competition, two answers wrong; then a practice round, and the streak begins.
    await page.click(f'button[data-competition="{competition.id}"]')
    await _round(page, session_factory, wrong={1, 3})
    await page.click(".summary ~ .stack .secondary >> nth=-1")  # 返回首页
    await expect(page.locator(".competition")).to_contain_text(
        "答题次数已用完" if zh else "No attempts left"
    )
    await page.click("#practice .secondary")
    await _round(page, session_factory, wrong={0})
    await page.click(".summary ~ .stack .secondary >> nth=-1")
    await expect(page.locator("#practice .streak")).to_have_text(
        "已连续练习 1 天" if zh else "Days practised in a row: 1"
    )
    await expect(page.locator("#mistakes")).to_contain_text("1")  # the practice mistake
    await _fits(page)
    await _shot(page, f"worker-practice-{lang}.png")

    # The close: the home lists the ended competition with the place; the result page has
    # the place, the review with the right answers and the certificate to save.
    clock.set(competition.ends_at + timedelta(minutes=1))
    competition.status = CompetitionStatus.CLOSED
    await session.commit()
    await turn(session, settle(session, competition_id=competition.id, clock=clock))
    await page.goto(f"{web_server.url}/quiz/results/{competition.id}")
    await expect(page.locator(".place-big")).to_have_text("第 2 名" if zh else "No. 2")
    await expect(page.locator(".result")).to_contain_text("共 3 人" if zh else "of 3 people")
    review = page.locator("#review .review-item")
    await expect(review).to_have_count(2)
    await expect(review.first.locator(".answer")).to_contain_text("正确答案" if zh else "Correct")
    image = page.locator("#certificate img")
    await expect(image).to_be_visible()
    await page.wait_for_function(
        "() => ['#certificate img', '#card img'].every(s => document.querySelector(s).naturalWidth)"
    )
    await expect(page.locator("#certificate .hint")).to_contain_text("长按" if zh else "hold")
    await _fits(page)
    await _shot(page, f"worker-result-{lang}.png")
    await page.evaluate("document.querySelector('#card').scrollIntoView()")
    await _shot(page, f"worker-card-{lang}.png")
    await page.evaluate("document.querySelector('#review').scrollIntoView()")
    await _shot(page, f"worker-review-{lang}.png")

    # 错题本: the competition's mistakes join the practice one (less any the practice round
    # happened to answer right since); retrying starts a round of exactly the book.
    book = await mistake_questions(session, worker_id=worker.id)
    assert book
    await page.click("#review .secondary")
    await expect(page.locator(".question")).to_be_visible()
    # The network drops as the first answer goes: the page says so and sends the same
    # answer again once the network is back; it counts once.
    retry_id = await page.evaluate("() => window.__qq.attempt")
    await page.context.set_offline(True)
    position = await _tap(page, session_factory, right=True)
    await expect(page.locator("#offline")).to_be_visible()
    await page.context.set_offline(False)
    await page.wait_for_function(STEP_SHOWN, arg=position)
    await expect(page.locator("#offline")).to_be_hidden()
    await _round(page, session_factory, wrong=set())
    retried = await session.get(Attempt, retry_id, populate_existing=True)
    assert retried is not None and retried.correct_count == retried.question_count
    drawn = await session.scalars(
        select(AttemptQuestion.question_id).where(AttemptQuestion.attempt_id == retry_id)
    )
    assert set(drawn) == set(book)
    await page.click(".summary ~ .stack .secondary >> nth=-1")
    closed = page.locator("#closed")
    await expect(closed).to_contain_text("第 2 名" if zh else "No. 2")
    await _fits(page)
    await _shot(page, f"worker-home-closed-{lang}.png", full=True)

    # The profile: 工号 and team; the language switch persists to the worker.
    await page.click(".hello .link")
    await expect(page.locator(".profile")).to_contain_text(worker.employee_no)
    await _shot(page, f"worker-profile-{lang}.png")
    await page.click(f'.lang-switch [data-lang="{"en" if zh else "zh"}"]')
    await expect(page.locator(".profile .banner")).to_have_text(
        "Switched to English." if zh else "已切换为中文。"
    )
    await _fits(page)
    stored = await session.scalar(
        select(Worker.language)
        .where(Worker.id == worker.id)
        .execution_options(populate_existing=True)
    )
    assert stored == ("en" if zh else "zh")


async def test_a_browser_worker_in_chinese_from_home_to_certificate_and_language(
    web_server: WebServer, browser: Any, session, clock, session_factory
) -> None:
    await _story(web_server, browser, session, clock, session_factory, "zh")


async def test_a_browser_worker_in_english_from_home_to_certificate_and_language(
    web_server: WebServer, browser: Any, session, clock, session_factory
) -> None:
    await _story(web_server, browser, session, clock, session_factory, "en")
