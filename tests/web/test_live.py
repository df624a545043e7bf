"""The live final over real HTTP: ten team phones buzzing in the same 10 ms (one first, by
receipt order), false starts, translated refusals, the hall's answers, and a restart of the
server mid-final that carries on from the database."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from contest.admin.policy import Actor
from contest.live.links import issue_links
from contest.live.models import LiveBuzz, LiveQuestion, LiveTeam
from storage.types import utcnow
from tests.bot.conftest import ADMIN_ID
from tests.conftest import MovableClock
from tests.contest.live.fixtures import act, build_final, segment
from tests.web.conftest import WebServer
from web.access import redact

JSON = {"Content-Type": "application/json"}


class WallClock(MovableClock):
    """Real time: receipt times are the moments requests reached the server."""

    def __call__(self):  # type: ignore[override]
        return utcnow()


@pytest.fixture
def clock() -> MovableClock:
    return WallClock()


async def links_for(server: WebServer, setup: Any):
    return await act(
        server.session_factory,
        issue_links,
        actor=Actor(ADMIN_ID, super_admin=True),
        final_id=setup.final_id,
        key=server.settings.web_key,
        clock=server.clock,
    )


async def host(http: aiohttp.ClientSession, server: WebServer, links: Any, verb: str, **body):
    async with http.post(f"{server.url}/live/host/{links.host}/{verb}", json=body) as response:
        return response.status, await response.json()


async def test_ten_phones_buzzing_in_the_same_10_ms_leave_one_first_by_receipt_order(
    web_server: WebServer, clock
):
    setup = await build_final(
        web_server.session_factory, clock, teams=10, segments=[segment("buzzer")]
    )
    links = await links_for(web_server, setup)
    phones = [aiohttp.ClientSession() for _ in links.buzzers]
    try:
        async with aiohttp.ClientSession() as http:
            assert (await host(http, web_server, links, "next"))[0] == 200
            status, view = await host(http, web_server, links, "start")
            assert status == 200 and view["question"]["phase"] == "armed"
        for phone, link in zip(phones, links.buzzers, strict=True):  # warm connections
            async with phone.get(f"{web_server.url}/live/buzz/{link.token}") as page:
                assert page.status == 200

        async def press(phone: aiohttp.ClientSession, token: str) -> dict[str, Any]:
            async with phone.post(
                f"{web_server.url}/live/buzz/{token}", data="{}", headers=JSON
            ) as response:
                assert response.status == 200
                return await response.json()

        results = await asyncio.gather(
            *(press(phone, link.token) for phone, link in zip(phones, links.buzzers, strict=True))
        )
    finally:
        await asyncio.gather(*(phone.close() for phone in phones))
    assert sum(r["status"] == "first" for r in results) == 1
    assert sorted(r["rank"] for r in results) == list(range(1, 11))
    async with web_server.session_factory() as session:
        buzzes = list(
            (
                await session.execute(select(LiveBuzz).order_by(LiveBuzz.received_at, LiveBuzz.id))
            ).scalars()
        )
        question = (
            await session.execute(
                select(LiveQuestion).where(LiveQuestion.first_buzz_id.is_not(None))
            )
        ).scalar_one()
    assert len(buzzes) == 10 and question.first_buzz_id == buzzes[0].id
    winner = next(r for r in results if r["status"] == "first")
    assert winner["at"] == buzzes[0].received_at.isoformat()
    by_rank = sorted(results, key=lambda r: r["rank"])
    assert [r["at"] for r in by_rank] == [b.received_at.isoformat() for b in buzzes]


async def test_false_starts_and_refusals_answer_translated_json(web_server: WebServer, clock):
    setup = await build_final(web_server.session_factory, clock, segments=[segment("buzzer")])
    links = await links_for(web_server, setup)
    token = links.buzzers[0].token
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{web_server.url}/live/buzz/{token}", json={}) as early:
            assert (early.status, (await early.json())["error"]) == (409, "live_not_running")
        await host(http, web_server, links, "next")
        async with http.post(f"{web_server.url}/live/buzz/{token}", json={}) as false:
            assert (await false.json())["status"] == "false_start"
        await host(http, web_server, links, "start")
        async with http.post(f"{web_server.url}/live/buzz/{token}", json={}) as again:
            body = await again.json()
            assert body["status"] == "false_start" and body["again"]
        async with http.post(f"{web_server.url}/live/buzz/{token[:-2]}xx", json={}) as forged:
            assert forged.status == 401 and "链接" in (await forged.json())["message"]
        status, refused = await host(
            http, web_server, links, "adjust", team_id=setup.teams[0].id, delta=5, reason=""
        )
        assert status == 409 and refused["error"] == "live_reason_needed"
        assert refused["message"] == "调整分数必须写明理由。"
        url = f"{web_server.url}/live/host/{links.host}/adjust?lang=en"
        async with http.post(
            url, json={"team_id": setup.teams[0].id, "delta": 0, "reason": "x"}
        ) as english:
            assert english.status == 409
            assert (await english.json())["message"].startswith("An adjustment is a whole")
        status, view = await host(http, web_server, links, "undo", version=0)
        assert status == 409 and view["error"] == "live_stale"  # the console was behind
        async with http.post(f"{web_server.url}/live/host/{links.host}/next", data="x=1") as form:
            assert form.status == 400  # not JSON: no cross-site form can press a button
        async with http.post(f"{web_server.url}/live/host/{links.host}/explode", json={}) as bad:
            assert bad.status == 404 and (await bad.json())["message"]


async def test_the_hall_answers_an_audience_question_once_per_phone(web_server: WebServer, clock):
    setup = await build_final(web_server.session_factory, clock, segments=[segment("audience", 2)])
    links = await links_for(web_server, setup)
    jar = aiohttp.CookieJar(unsafe=True)  # the server is an IP address
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        _, view = await host(http, web_server, links, "next")
        question = view["question"]
        assert question["phase"] == "audience"
        right = question["answer"]
        response = int(right[0]) if question["type"] == "true_false" else right[0]
        url = f"{web_server.url}/live/hall/{links.hall}"
        async with http.post(
            f"{url}/answer", json={"question_id": question["id"], "response": response}
        ) as no_cookie:
            assert no_cookie.status == 400
        async with http.get(url) as page:
            assert page.status == 200 and "qq_voter" in page.cookies
        body = {"question_id": question["id"], "response": response, "name": "观众甲"}
        async with http.post(f"{url}/answer", json=body) as first:
            assert first.status == 200
        async with http.post(f"{url}/answer", json=body) as second:
            assert (
                second.status == 409 and (await second.json())["error"] == "live_audience_already"
            )
        _, view = await host(http, web_server, links, "reveal")
    assert view["audience"]["correct"] == 1 and view["audience"]["winners"] == ["观众甲"]


async def test_a_restart_mid_final_carries_on_from_the_database(web_server: WebServer, clock):
    setup = await build_final(web_server.session_factory, clock, segments=[segment("buzzer")])
    links = await links_for(web_server, setup)
    team = setup.teams[2]
    token = next(b.token for b in links.buzzers if b.team == team.name)
    async with aiohttp.ClientSession() as http:
        await host(http, web_server, links, "next")
        await host(http, web_server, links, "start")
        async with http.post(f"{web_server.url}/live/buzz/{token}", json={}) as pressed:
            assert (await pressed.json())["status"] == "first"
    await web_server.restart()  # a new app on the same database: nothing kept in memory
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{web_server.url}/live/buzz/{token}", json={}) as again:
            assert (await again.json())["again"]
        status, view = await host(http, web_server, links, "right")
        assert status == 200
        assert view["question"]["outcome"] == "right" and view["buzzes"][0]["ruling"] == "right"
        status, view = await host(http, web_server, links, "next")
        assert view["question"]["position"] == 2
    async with web_server.session_factory() as session:
        assert (await session.get(LiveTeam, team.id)).score == 110


def test_access_logs_keep_the_live_links_secret():
    assert redact("/live/host/3.900.0.0.1799.abc/next") == "/live/host/…/next"
    assert redact("/live/buzz/3.0.7.0.1799.abc") == "/live/buzz/…"
    assert redact("/live/stage/3.0.0.0.1799.abc/events") == "/live/stage/…/events"
