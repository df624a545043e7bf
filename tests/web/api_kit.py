"""What the worker-API tests share: a browser signed in through a worker's personal link,
and the check that a refusal is the 4xx JSON with a translated message."""

from __future__ import annotations

import aiohttp

from contest.signing import link_token
from storage.ids import id_of
from tests.web.conftest import WebServer
from tests.web.demo import Plant


async def sign_in_by_link(
    web_server: WebServer, plant: Plant, client: aiohttp.ClientSession, index: int = 0
) -> dict[str, str]:
    """Open the worker's /h5 link in ``client``; the headers a write needs (CSRF)."""
    worker, competition = plant.workers[index], plant.competition
    link = link_token(
        web_server.settings.web_key,
        worker_id=id_of(worker),
        competition_id=id_of(competition),
        ends_at=competition.ends_at,
    )
    assert (await client.get(f"{web_server.url}/h5/{link}", allow_redirects=False)).status == 303
    me = await (await client.get(f"{web_server.url}/api/session")).json()
    return {"X-CSRF-Token": me["csrf"]}


async def refused(response: aiohttp.ClientResponse, status: int, code: str) -> str:
    """The refusal's translated message, once its status and code are as expected."""
    assert response.status == status, await response.text()
    body = await response.json()
    assert body["error"] == code and body["message"], body
    return str(body["message"])
