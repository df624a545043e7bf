"""The web face's guards without a browser: signed links and sessions, Telegram's initData,
CSRF on every POST, the rate per address and per worker, screen links revoked at once."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl

from contest.admin import web as admin_web
from contest.admin.policy import Actor
from contest.errors import ContestError
from contest.signing import link_token, new_session, read_link, read_session
from tests.turns import turn
from tests.web.conftest import WebServer
from tests.web.demo import build_plant
from tests.web.signin_kit import browser_client
from tests.web.test_browser import signed_init_data
from web.access import redact
from web.auth import miniapp_init_data

KEY = b"k" * 32


def test_a_personal_link_opens_until_a_while_after_the_close_and_not_when_altered(clock):
    token = link_token(KEY, worker_id=7, competition_id=3, ends_at=clock() + timedelta(days=1))
    assert read_link(KEY, token, now=clock()).worker_id == 7
    assert read_link(KEY, token, now=clock() + timedelta(days=5)) is None  # expired
    assert read_link(KEY, token.replace("7.", "8.", 1), now=clock()) is None  # another worker
    assert read_link(b"other" * 8, token, now=clock()) is None  # another key


def test_a_session_is_not_a_link_and_expires(clock):
    token, session = new_session(KEY, worker_id=7, via="h5", now=clock())
    assert read_session(KEY, token, now=clock()).worker_id == 7
    assert read_link(KEY, token, now=clock()) is None
    assert read_session(KEY, token, now=clock() + timedelta(hours=13)) is None
    assert session.csrf(KEY) != session.csrf(b"x" * 32)


def test_init_data_is_checked_as_telegram_specifies(web_server: WebServer, clock):
    user = {"id": 5000, "first_name": "Wei"}
    ctx = web_server.ctx
    assert ctx is not None
    good = signed_init_data(user, at=clock())
    assert miniapp_init_data(ctx, good, now=clock()).user.id == 5000
    forged = dict(parse_qsl(good))
    forged["user"] = forged["user"].replace("5000", "5001")
    from urllib.parse import urlencode

    assert miniapp_init_data(ctx, urlencode(forged), now=clock()) is None
    assert miniapp_init_data(ctx, good, now=clock() + timedelta(days=2)) is None  # stale
    assert miniapp_init_data(ctx, good, now=clock() - timedelta(hours=1)) is None  # future
    assert miniapp_init_data(ctx, "", now=clock()) is None


async def _signed_in(web_server: WebServer, session, clock, client):
    plant = await build_plant(session, clock, workers=1)
    worker, competition = plant.workers[0], plant.competition
    link = link_token(web_server.settings.web_key, worker_id=worker.id,
                      competition_id=competition.id, ends_at=competition.ends_at)  # fmt: skip
    response = await client.get(f"{web_server.url}/h5/{link}", allow_redirects=False)
    assert response.status == 303
    me = await (await client.get(f"{web_server.url}/api/session")).json()
    return plant, me["csrf"]


async def test_every_post_needs_the_sessions_csrf_token_and_our_origin(
    web_server: WebServer, session, clock
):
    import aiohttp

    async with browser_client() as client:
        plant, csrf = await _signed_in(web_server, session, clock, client)
        body = {"competition_id": plant.competition.id}
        url = f"{web_server.url}/api/start"
        assert (await client.post(url, json=body)).status == 403  # no token
        bad = {"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
        assert (await client.post(url, json=body, headers=bad)).status == 403
        good = {"X-CSRF-Token": csrf, "Origin": web_server.url}
        started = await client.post(url, json=body, headers=good)
        assert started.status == 200 and (await started.json())["type"] == "question"
    async with aiohttp.ClientSession() as stranger:
        assert (await stranger.post(url, json=body, headers=good)).status == 401


async def test_a_worker_tapping_too_fast_is_told_to_wait(web_server: WebServer, session, clock):

    from web.limits import RateLimits

    assert web_server.ctx is not None
    web_server.ctx.by_worker = RateLimits(1.0, burst=2)
    async with browser_client() as client:
        _, csrf = await _signed_in(web_server, session, clock, client)
        headers = {"X-CSRF-Token": csrf}
        url = f"{web_server.url}/api/current"
        codes = [(await client.post(url, json={"attempt_id": 1}, headers=headers)).status
                 for _ in range(4)]  # fmt: skip
    assert 429 in codes and codes[0] != 429


async def test_a_revoked_screen_link_stops_working(web_server: WebServer, session, clock):
    import aiohttp

    plant = await build_plant(session, clock, workers=1)
    actor = Actor.operator()
    screen = await turn(
        session,
        admin_web.issue_screen(
            session, actor=actor, competition_id=plant.competition.id, language="zh", clock=clock
        ),
    )
    url = f"{web_server.url}/screen/{screen.token}"
    async with aiohttp.ClientSession() as client:
        page = await client.get(url)
        text = await page.text()
        assert page.status == 200 and "QA1000" not in text  # no 工号 on the wall
        await turn(
            session,
            admin_web.revoke_screens(
                session, actor=actor, competition_id=plant.competition.id, clock=clock
            ),
        )
        assert (await client.get(url)).status == 404
        assert (await client.get(f"{web_server.url}/screen/guess")).status == 404


async def test_an_organiser_of_another_competition_cannot_get_a_screen(session, clock):
    plant = await build_plant(session, clock, workers=1)
    try:
        await turn(
            session,
            admin_web.issue_screen(
                session,
                actor=Actor(123),
                language="zh",
                competition_id=plant.competition.id,
                clock=clock,
            ),
        )
    except ContestError as error:
        assert error.code == "denied"
    else:
        raise AssertionError("a stranger got a screen link")


def test_tokens_never_reach_the_access_log():
    assert redact("/screen/abcDEF123/events") == "/screen/…/events"
    assert redact("/h5/1.2.3.sig?x=1") == "/h5/…"
    assert redact("/api/answer") == "/api/answer"
