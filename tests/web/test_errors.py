"""One error contract for the web: every refusal is a 4xx with a translated message, every
input gets a defined answer, and nothing ends in a 500 — found by hand and by fuzzing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.models import CompetitionStatus
from tests.turns import turn
from tests.web.api_kit import refused, sign_in_by_link
from tests.web.conftest import WebServer
from tests.web.demo import build_plant
from tests.web.signin_kit import browser_client

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
BODIES = st.dictionaries(
    st.sampled_from(["attempt_id", "position", "response", "competition_id", "practice", "x"]),
    JSON_VALUES,
    max_size=5,
)


async def test_refusals_are_4xx_json_with_a_translated_message(
    web_server: WebServer, session, clock
) -> None:
    plant = await build_plant(session, clock, workers=2)
    url = web_server.url
    jar = aiohttp.CookieJar(unsafe=True)
    async with (
        aiohttp.ClientSession(cookie_jar=jar) as a,
        browser_client() as b,
    ):
        ha = await sign_in_by_link(web_server, plant, a, 0)
        hb = await sign_in_by_link(web_server, plant, b, 1)
        start = {"competition_id": plant.competition.id}
        question = await (await a.post(f"{url}/api/start", json=start, headers=ha)).json()
        attempt = {"attempt_id": question["attempt_id"]}
        await refused(
            await b.post(f"{url}/api/current", json=attempt, headers=hb), 403, "not_your_attempt"
        )
        await refused(
            await a.get(f"{url}/api/review/{question['attempt_id']}"), 409, "review_not_yet"
        )
        wrong = {**attempt, "position": question["position"], "response": 9}
        await refused(
            await a.post(f"{url}/api/answer", json=wrong, headers=ha), 409, "bad_response"
        )
        huge = {**attempt, "position": 2**63}
        await refused(await a.post(f"{url}/api/answer", json=huge, headers=ha), 400, "bad_request")
        deep = "[" * 50_000 + "]" * 50_000
        await refused(await a.post(f"{url}/api/answer", data=deep, headers=ha), 400, "bad_request")
        await refused(await a.get(f"{url}/api/nothing"), 404, "not_found")
        bad_csrf = {"X-CSRF-Token": "é" * 10}
        await refused(
            await a.post(f"{url}/api/current", json=attempt, headers=bad_csrf), 403, "forbidden"
        )
    plant.competition.status = CompetitionStatus.CLOSED
    session.add(plant.competition)
    await session.commit()
    async with browser_client() as c:
        hc = await sign_in_by_link(web_server, plant, c, 1)
        closed = await c.post(f"{url}/api/start", json=start, headers=hc)
        assert closed.status == 409 and (await closed.json())["message"]


async def test_tokens_with_any_characters_get_a_page_or_json_not_a_500(
    web_server: WebServer,
) -> None:
    url = web_server.url
    async with aiohttp.ClientSession() as client:
        for path in ("/h5/非法令牌", "/robot/picture/图片.png", "/screen/大屏", "/join/一"):
            response = await client.get(url + path)
            assert 400 <= response.status < 500, path
            assert "text/html" in response.headers["Content-Type"]
        bearer = {"Authorization": "Bearer 令牌".encode().decode("latin-1")}
        await refused(await client.get(f"{url}/api/session", headers=bearer), 401, "not_signed_in")


@pytest.fixture
async def signed_client(
    web_server: WebServer, session, clock
) -> AsyncIterator[tuple[aiohttp.ClientSession, dict[str, str]]]:
    plant = await build_plant(session, clock, workers=1)
    async with browser_client() as client:
        yield client, await sign_in_by_link(web_server, plant, client)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=BODIES, endpoint=st.sampled_from(["/api/start", "/api/current", "/api/answer"]))
async def test_any_json_body_gets_a_defined_answer(
    web_server: WebServer,
    signed_client: tuple[aiohttp.ClientSession, dict[str, str]],
    body: dict[str, Any],
    endpoint: str,
) -> None:
    client, headers = signed_client
    response = await client.post(web_server.url + endpoint, data=json.dumps(body), headers=headers)
    assert response.status < 500, await response.text()
    if response.status >= 400:
        assert (await response.json())["message"]


async def test_a_name_that_looks_like_markup_cannot_blank_the_big_screen(
    web_server: WebServer, session, session_factory, clock
) -> None:
    from contest.admin import web as admin_web
    from contest.admin.policy import Actor
    from tests.web.demo import play

    plant = await build_plant(session, clock, workers=2)
    worker = plant.workers[0]
    worker.real_name = "<!--<script>tg"
    session.add(worker)
    await session.commit()
    assert plant.competition.id is not None
    await play(
        session_factory, clock, worker=worker, competition_id=plant.competition.id, accuracy=1.0
    )
    screen = await turn(
        session,
        admin_web.issue_screen(
            session,
            actor=Actor.operator(),
            competition_id=plant.competition.id,
            language="zh",
            clock=clock,
        ),
    )
    async with aiohttp.ClientSession() as client:
        html = await (await client.get(f"{web_server.url}/screen/{screen.token}")).text()
    opening = '<script type="application/json" id="board-data">'
    embedded = html.split(opening, 1)[1].split("</script>", 1)[0]
    assert "<" not in embedded  # nothing in the data can open a comment or a tag
    board = json.loads(embedded)
    assert board["participants"] >= 1
    assert "<!--<script>tg" in json.dumps(board, ensure_ascii=False)
