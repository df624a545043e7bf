"""A thin async client of the 企业微信 calls a self-built app (自建应用) makes to message its
members (应用消息), the app configured for the browser sign-in (WECOM_CORP_ID, _AGENT_ID,
_SECRET):

- ``GET /cgi-bin/gettoken?corpid&corpsecret`` → ``access_token``, kept until five minutes
  before ``expires_in`` and renewed once when WeCom says it is invalid or expired
  (40014, 42001);
- ``POST /cgi-bin/message/send`` {touser, msgtype, agentid, …}: ``text`` (at most 2048
  bytes, links as ``<a href>``) or ``image`` {media_id};
- ``POST /cgi-bin/media/upload?type=image`` (multipart ``media``) → ``media_id``.

Limits, as WeCom documents them: an app may send one member at most 30 messages a minute
(the rest is dropped without an error, so it is paced here, never left to WeCom), and an
API answers ``45009`` (调用接口超过频率限制) when called too often: that is waited out and
the call made again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiolimiter import AsyncLimiter

from storage.types import Clock, utcnow

API_BASE = "https://qyapi.weixin.qq.com"
PER_MEMBER_MINUTE = 30
THROTTLED = frozenset({45009, 45033, -1})  # frequency, concurrency, system busy
TOKEN_CODES = frozenset({40014, 42001})
TEXT_BYTES = 2048
RETRIES = 6
TIMEOUT = aiohttp.ClientTimeout(total=15)
KEEP_LIMITERS = 10_000


class WeComError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"HTTP {status} errcode {code}: {message[:200]}")
        self.status, self.code = status, code


class WeComApi:
    def __init__(
        self,
        *,
        corp_id: str,
        agent_id: str,
        secret: str,
        api_base: str = API_BASE,
        clock: Clock = utcnow,
        pause: float = 1.0,
    ) -> None:
        self.corp_id, self.agent_id, self.secret = corp_id, agent_id, secret
        self.api_base, self.clock, self.pause = api_base.rstrip("/"), clock, pause
        self.http: aiohttp.ClientSession | None = None
        self._token: tuple[str, datetime] | None = None
        self._token_lock = asyncio.Lock()
        self._members: dict[str, AsyncLimiter] = {}

    def session(self) -> aiohttp.ClientSession:
        if self.http is None:
            self.http = aiohttp.ClientSession(timeout=TIMEOUT)
        return self.http

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()
            self.http = None

    async def token(self, *, renew: bool = False) -> str:
        async with self._token_lock:
            if self._token is not None and not renew and self.clock() < self._token[1]:
                return self._token[0]
            params = {"corpid": self.corp_id, "corpsecret": self.secret}
            answer = await self._throttled_retry(
                lambda: self._get_json(f"{self.api_base}/cgi-bin/gettoken", params)
            )
            expires = self.clock() + timedelta(seconds=int(answer["expires_in"]) - 300)
            self._token = (str(answer["access_token"]), expires)
            return self._token[0]

    async def send_text(self, *, user_id: str, text: str) -> None:
        """A text to a member (``<a href>`` links work in it); at most 2048 bytes."""
        body = {"touser": user_id, "msgtype": "text", "text": {"content": text}}
        await self._send(user_id, body)

    async def send_image(self, *, user_id: str, media_id: str) -> None:
        await self._send(
            user_id, {"touser": user_id, "msgtype": "image", "image": {"media_id": media_id}}
        )

    async def upload_image(self, data: bytes, *, filename: str = "picture.png") -> str:
        def form() -> aiohttp.FormData:  # built anew for each try: a form is read once
            built = aiohttp.FormData()
            built.add_field("media", data, filename=filename, content_type="image/png")
            return built

        answer = await self._call("/cgi-bin/media/upload", form, params={"type": "image"})
        return str(answer["media_id"])

    # --- the discipline ------------------------------------------------------------------
    async def _send(self, user_id: str, body: dict[str, Any]) -> None:
        if len(self._members) > KEEP_LIMITERS:
            self._members.clear()
        member = self._members.setdefault(user_id, AsyncLimiter(PER_MEMBER_MINUTE, 60))
        await member.acquire()
        answer = await self._call("/cgi-bin/message/send", {**body, "agentid": int(self.agent_id)})
        if answer.get("invaliduser"):
            raise WeComError(200, 0, f"invaliduser {answer['invaliduser']}")

    async def _call(self, path: str, body: Any, *, params: dict[str, str] | None = None) -> Any:
        """One POST: throttles waited out, a stale token renewed once, 5xx and network errors
        retried a few times, anything else raised."""
        renewed, failures, throttles = False, 0, 0
        while True:
            query = {**(params or {}), "access_token": await self.token()}
            kwargs: dict[str, Any] = {"data": body()} if callable(body) else {"json": body}
            try:
                async with self.session().post(
                    f"{self.api_base}{path}", params=query, **kwargs
                ) as r:
                    status = r.status
                    try:
                        answer = await r.json(content_type=None)
                    except ValueError:
                        answer = {}
            except (aiohttp.ClientError, TimeoutError) as exc:
                status, answer = 0, {"errmsg": type(exc).__name__}
            code = int(answer.get("errcode", -2)) if isinstance(answer, dict) else -2
            if status == 429 or code in THROTTLED:
                throttles += 1
                await asyncio.sleep(min(self.pause * throttles, 10.0))
                continue
            if not renewed and code in TOKEN_CODES:
                renewed = True
                await self.token(renew=True)
                continue
            if status == 0 or status >= 500:
                failures += 1
                if failures <= RETRIES:
                    await asyncio.sleep(min(self.pause * 2**failures, 15.0))
                    continue
            if status == 200 and code == 0:
                return answer
            raise WeComError(status, code, json.dumps(answer, ensure_ascii=False))

    async def _get_json(self, url: str, params: dict[str, str]) -> tuple[int, Any]:
        async with self.session().get(url, params=params) as r:
            try:
                return r.status, await r.json(content_type=None)
            except ValueError:
                return r.status, {}

    async def _throttled_retry(self, get: Callable[[], Awaitable[tuple[int, Any]]]) -> Any:
        throttles = 0
        while True:
            status, answer = await get()
            code = int(answer.get("errcode", -2)) if isinstance(answer, dict) else -2
            if status == 429 or code in THROTTLED:
                throttles += 1
                await asyncio.sleep(min(self.pause * throttles, 10.0))
                continue
            if status == 200 and code == 0:
                return answer
            raise WeComError(status, code, json.dumps(answer, ensure_ascii=False))
