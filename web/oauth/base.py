"""What the three messengers' sign-ins share: the refusal a platform's answer maps to, the
app-token cache, and one JSON call over HTTP that turns every transport failure into a
refusal the page can explain (never an exception that becomes a 500)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

from contest.directory import DirectoryEntry

logger = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=10)
TOKEN_MARGIN = 300.0  # seconds before the platform's expiry that a token is renewed
# What went wrong, as the page tells it: the code was refused (used, expired, forged), the
# platform is unreachable or answered nonsense, it asks us to slow down, the member may not
# use the app (outside its visible range, another organisation), or declined to authorise.
KINDS = ("bad_code", "down", "busy", "denied", "declined")


class SigninRefused(Exception):
    """The platform did not tell us who this is; ``kind`` is one of KINDS."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class Member:
    """Who came back from the platform: their id there, and what its directory says about
    them, most reliable first (the 工号 fields the platform may keep it in, then the mobile)."""

    external_id: str
    entries: tuple[DirectoryEntry, ...]


def member(
    external_id: str, *, name: str = "", numbers: Iterable[str] = (), mobile: str = ""
) -> Member:
    entries = [DirectoryEntry(name=name, employee_no=n) for n in dict.fromkeys(numbers) if n]
    if mobile:
        entries.append(DirectoryEntry(name=name, mobile=mobile))
    return Member(external_id, tuple(entries))


class Provider(Protocol):
    """One platform's sign-in: where to send the browser, and who came back."""

    name: str

    def authorize_url(self, *, redirect_uri: str, state: str) -> str: ...

    async def member(self, query: Mapping[str, str], *, redirect_uri: str) -> Member:
        """The member the callback's code stands for."""
        ...


class AppToken:
    """An app's access token (gettoken / tenant_access_token), fetched once for every
    request in flight and renewed shortly before the platform's expiry or when the platform
    says it expired. Only a cache: a restart fetches a new one."""

    def __init__(self, fetch: Callable[[], Awaitable[tuple[str, float]]]) -> None:
        self._fetch = fetch
        self._token: str | None = None
        self._until = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        if self._token is not None and time.monotonic() < self._until:
            return self._token
        async with self._lock:
            if self._token is None or time.monotonic() >= self._until:
                token, lifetime = await self._fetch()
                self._token = token
                self._until = time.monotonic() + max(lifetime - TOKEN_MARGIN, lifetime / 2)
            return self._token

    def expire(self, token: str) -> None:
        """The platform refused ``token``: the next ``get`` fetches a new one."""
        if self._token == token:
            self._token = None


async def call_json(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON object the platform answered; ``down`` when it could not
    be reached, timed out or answered something that is not a JSON object, ``busy`` on 429."""
    try:
        async with http.request(
            method, url, params=params, json=body, headers=headers, timeout=TIMEOUT
        ) as response:
            status = response.status
            text = await response.text()
    except (aiohttp.ClientError, TimeoutError, UnicodeDecodeError) as error:
        logger.warning("sign-in platform unreachable: %s %s", url, type(error).__name__)
        raise SigninRefused("down", type(error).__name__) from None
    if status == 429:
        raise SigninRefused("busy", "429")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        logger.warning("sign-in platform answered %s without JSON: %s", status, url)
        raise SigninRefused("down", f"http {status}")
    return status, data


def text_field(data: Mapping[str, Any], name: str) -> str:
    """A string field of a platform's answer ("" when missing or not a string)."""
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""
