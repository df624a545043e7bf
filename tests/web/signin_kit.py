"""What the messenger sign-in tests share: our server configured for one fake platform, an
HTTP client that keeps cookies as a browser does, and the redirect dance step by step."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from sqlalchemy import select

from contest.identities import WorkerIdentity
from tests.web.conftest import WebServer


@asynccontextmanager
async def serving(
    settings: Any, session_factory: Any, bot: Any, clock: Any, **overrides: Any
) -> AsyncIterator[WebServer]:
    """Our web face with these settings changed (a whole plant signs in from one address
    in the tests, so the per-address rate is lifted)."""
    changed = settings.model_copy(update={"web_rate_per_address": 500.0, **overrides})
    server = WebServer(changed, session_factory, bot, clock)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def browser_client() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def sign_in(
    client: aiohttp.ClientSession,
    server: WebServer,
    competition_id: int,
    platform: str,
    lang: str = "",
) -> aiohttp.ClientResponse:
    """Open the sign-in link and follow every redirect, as the in-app browser does."""
    suffix = f"?lang={lang}" if lang else ""
    response = await client.get(f"{server.url}/join/{competition_id}/{platform}{suffix}")
    await response.read()
    return response


async def callback_url(
    client: aiohttp.ClientSession, server: WebServer, competition_id: int, platform: str
) -> str:
    """Our start page and the platform's authorize page, step by step: where the platform
    sends the browser back to (the code and the state in its query)."""
    start = f"{server.url}/join/{competition_id}/{platform}"
    to_platform = await client.get(start, allow_redirects=False)
    assert to_platform.status == 302, await to_platform.text()
    back = await client.get(to_platform.headers["Location"], allow_redirects=False)
    assert back.status == 302, await back.text()
    return back.headers["Location"]


async def who(client: aiohttp.ClientSession, server: WebServer) -> dict[str, Any]:
    response = await client.get(f"{server.url}/api/session")
    assert response.status == 200, await response.text()
    return await response.json()


async def identities(session: Any) -> list[tuple[str, str, int]]:
    rows = (await session.execute(select(WorkerIdentity))).scalars().all()
    return sorted((row.platform, row.external_id, row.worker_id) for row in rows)


# What the messengers' in-app browsers send as User-Agent (Android builds of 2024).
IN_APP_UA = {
    "wecom": "Mozilla/5.0 (Linux; Android 12; V2049A Build/SP1A.210812.003; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/101.0.4951.61 Mobile "
    "Safari/537.36 wxwork/4.1.22 ColorScheme/Light MicroMessenger/7.0.1 NetType/WIFI "
    "Language/zh Lang/zh",
    "dingtalk": "Mozilla/5.0 (Linux; U; Android 12; zh-CN; V2049A Build/SP1A.210812.003) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/69.0.3497.100 UWS/3.22.2.59 "
    "Mobile Safari/537.36 AliApp(DingTalk/7.0.10) com.alibaba.android.rimet/30000000 "
    "Channel/227200 language/zh-CN abi/64",
    "feishu": "Mozilla/5.0 (Linux; Android 12; V2049A Build/SP1A.210812.003; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/101.0.4951.61 Mobile "
    "Safari/537.36 Lark/7.10.6 LarkLocale/zh_CN ChannelName/Feishu TTWebView/1121010020090",
}
