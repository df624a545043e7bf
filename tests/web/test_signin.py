"""Roster sign-in (工号 + 姓名) as a phone's browser does it: the form posted with
``Origin: null``, a session for that competition only, and guessing locked per 工号 with a
word to the organiser."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
from sqlalchemy import select

from contest.models import AuditEntry, Competition, CompetitionStatus, Organiser
from contest.outbox import OutboxMessage
from contest.web_access import set_roster_login
from contest.web_signin import MAX_FAILURES
from tests.web.conftest import WebServer
from tests.web.demo import Plant, build_plant
from tests.web.signin_kit import browser_client


async def _plant_with_roster_login(session: Any, clock: Any) -> Plant:
    plant = await build_plant(session, clock, workers=3)
    competition_id = plant.competition.id
    assert competition_id is not None
    await set_roster_login(
        session, competition_id=competition_id, enabled=True, changed_by=1, clock=clock
    )
    session.add(Organiser(telegram_id=777, competition_id=competition_id, granted_by=1))
    await session.commit()
    return plant


async def _form(client: aiohttp.ClientSession, url: str) -> str:
    page = await client.get(url)
    assert page.status == 200
    html = await page.text()
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


async def _post(
    client: aiohttp.ClientSession, url: str, token: str, employee_no: str, name: str
) -> aiohttp.ClientResponse:
    data = {"form_token": token, "employee_no": employee_no, "name": name, "lang": "zh"}
    return await client.post(url, data=data, headers={"Origin": "null"}, allow_redirects=False)


def _token_in(html: str) -> str:
    """The token of the form a refusal shows again (the next try posts that one)."""
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


async def test_roster_sign_in_works_when_the_form_posts_with_origin_null(
    web_server: WebServer, session, clock
) -> None:
    plant = await _plant_with_roster_login(session, clock)
    worker = plant.workers[0]
    url = f"{web_server.url}/join/{plant.competition.id}"
    async with browser_client() as client:
        page = await client.get(url)
        assert plant.competition.name in await page.text()  # the page names the competition
        token = await _form(client, url)
        typed_no = f" {worker.employee_no} "  # as a person types it on a phone
        response = await _post(client, url, token, typed_no, worker.real_name)
        assert response.status == 303
        assert response.headers["Location"] == f"/quiz?c={plant.competition.id}"
        me = await (await client.get(f"{web_server.url}/api/session")).json()
        assert me["name"] == worker.real_name and me["scope"] == plant.competition.id


async def test_a_form_from_another_site_or_without_our_cookie_is_refused_with_a_page(
    web_server: WebServer, session, clock
) -> None:
    plant = await _plant_with_roster_login(session, clock)
    worker = plant.workers[0]
    url = f"{web_server.url}/join/{plant.competition.id}"
    async with browser_client() as client:
        token = await _form(client, url)
        data = {"form_token": token, "employee_no": worker.employee_no, "name": worker.real_name}
        evil = await client.post(
            url, data=data, headers={"Origin": "https://evil.example"}, allow_redirects=False
        )
        assert evil.status == 403 and "页面已过期" in await evil.text()
    async with aiohttp.ClientSession() as stranger:  # the token without its cookie
        response = await _post(stranger, url, token, worker.employee_no, worker.real_name)
        assert response.status == 403


async def test_a_roster_session_cannot_start_another_competition(
    web_server: WebServer, session, clock
) -> None:
    plant = await _plant_with_roster_login(session, clock)
    other = Competition(
        name="另一场",
        status=CompetitionStatus.OPEN,
        starts_at=plant.competition.starts_at,
        ends_at=plant.competition.ends_at,
        rules=plant.competition.rules,
    )
    session.add(other)
    await session.commit()
    worker = plant.workers[1]
    url = f"{web_server.url}/join/{plant.competition.id}"
    async with browser_client() as client:
        token = await _form(client, url)
        assert (await _post(client, url, token, worker.employee_no, worker.real_name)).status == 303
        me = await (await client.get(f"{web_server.url}/api/session")).json()
        assert [c["id"] for c in me["competitions"]] == [plant.competition.id]
        headers = {"X-CSRF-Token": me["csrf"]}
        refused = await client.post(
            f"{web_server.url}/api/start", json={"competition_id": other.id}, headers=headers
        )
        assert refused.status == 403
        body = await refused.json()
        assert body["error"] == "not_in_scope" and "竞赛" in body["message"]
        started = await client.post(
            f"{web_server.url}/api/start",
            json={"competition_id": plant.competition.id},
            headers=headers,
        )
        assert started.status == 200


async def test_guessing_at_one_number_locks_it_and_tells_the_organiser(
    web_server: WebServer, session, clock
) -> None:
    plant = await _plant_with_roster_login(session, clock)
    worker = plant.workers[2]
    url = f"{web_server.url}/join/{plant.competition.id}"
    async with browser_client() as client:
        token = await _form(client, url)
        first = await _post(client, url, token, worker.employee_no, "猜的名字")
        html = await first.text()
        assert first.status == 401 and f"还可以再试 {MAX_FAILURES - 1} 次" in html
        for _ in range(MAX_FAILURES - 1):
            last = await _post(client, url, _token_in(html), worker.employee_no, "猜的名字")
            html = await last.text()
        assert last.status == 429 and "已锁定" in html
        right = await _post(client, url, _token_in(html), worker.employee_no, worker.real_name)
        assert right.status == 429  # the lock holds for the right name too
    audit = (await session.execute(select(AuditEntry))).scalars().all()
    assert [a.action for a in audit] == ["login.locked"]
    notes = (await session.execute(select(OutboxMessage))).scalars().all()
    assert [n.chat_id for n in notes] == [777] and worker.employee_no in notes[0].text
    clock.advance(minutes=16)
    async with browser_client() as client:
        token = await _form(client, url)
        after = await _post(client, url, token, worker.employee_no, worker.real_name)
        assert after.status == 303
