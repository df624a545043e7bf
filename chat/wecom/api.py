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

import json
from typing import Any

import aiohttp

from chat.platform_api import PlatformApi, Verdict
from storage.types import Clock, utcnow

API_BASE = "https://qyapi.weixin.qq.com"
PER_MEMBER_MINUTE = 30
PER_API = 50  # calls a second we allow ourselves per API (WeCom states minute quotas)
THROTTLED = frozenset({45009, 45033, -1})  # frequency, concurrency, system busy
TOKEN_CODES = frozenset({40014, 42001})
TEXT_BYTES = 2048


class WeComError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"HTTP {status} errcode {code}: {message[:200]}")
        self.status, self.code = status, code


class WeComApi(PlatformApi):
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
        super().__init__(clock=clock, pause=pause)
        self.corp_id, self.agent_id, self.secret = corp_id, agent_id, secret
        self.api_base = api_base.rstrip("/")

    async def _fetch_token(self) -> tuple[str, int]:
        params = {"corpid": self.corp_id, "corpsecret": self.secret}
        url = f"{self.api_base}/cgi-bin/gettoken"

        async def attempt() -> tuple[int, Any]:
            async with self.session().get(url, params=params) as r:
                return r.status, await _json(r)

        answer = await self._retrying(attempt, [("gettoken", PER_API)])
        return str(answer["access_token"]), int(answer["expires_in"])

    async def send_text(self, *, user_id: str, text: str) -> None:
        """A text to a member (``<a href>`` links work in it); at most 2048 bytes."""
        await self._send(user_id, {"msgtype": "text", "text": {"content": text}})

    async def send_image(self, *, user_id: str, media_id: str) -> None:
        await self._send(user_id, {"msgtype": "image", "image": {"media_id": media_id}})

    async def upload_image(self, data: bytes, *, filename: str = "picture.png") -> str:
        def form() -> aiohttp.FormData:  # built anew for each try: a form is read once
            built = aiohttp.FormData()
            built.add_field("media", data, filename=filename, content_type="image/png")
            return built

        answer = await self._call("/cgi-bin/media/upload", form, params={"type": "image"})
        return str(answer["media_id"])

    # --- the discipline ------------------------------------------------------------------
    async def _send(self, user_id: str, body: dict[str, Any]) -> None:
        """One message to one member, at most 30 a minute to them (WeCom drops the rest)."""
        await self._limiter(f"member:{user_id}", PER_MEMBER_MINUTE, 60.0).acquire()
        message = {"touser": user_id, "agentid": int(self.agent_id), **body}
        answer = await self._call("/cgi-bin/message/send", message)
        if answer.get("invaliduser"):
            raise WeComError(200, 0, f"invaliduser {answer['invaliduser']}")

    async def _call(self, path: str, body: Any, *, params: dict[str, str] | None = None) -> Any:
        async def attempt() -> tuple[int, Any]:
            query = {**(params or {}), "access_token": await self.token()}
            kwargs: dict[str, Any] = {"data": body()} if callable(body) else {"json": body}
            async with self.session().post(f"{self.api_base}{path}", params=query, **kwargs) as r:
                return r.status, await _json(r)

        return await self._retrying(attempt, [(path, PER_API)])

    def _verdict(self, status: int, answer: Any) -> Verdict:
        code = _code(answer)
        if status == 429 or code in THROTTLED:
            return Verdict.THROTTLED
        if code in TOKEN_CODES:
            return Verdict.TOKEN_REFUSED
        return Verdict.OK if status == 200 and code == 0 else Verdict.OTHER

    def _refusal(self, status: int, answer: Any) -> Exception:
        return WeComError(status, _code(answer), json.dumps(answer, ensure_ascii=False))

    def _unreachable(self, exc: Exception) -> Any:
        return {"errcode": -2, "errmsg": type(exc).__name__}


def _code(answer: Any) -> int:
    try:
        return int(answer.get("errcode", -2)) if isinstance(answer, dict) else -2
    except (TypeError, ValueError):
        return -2


async def _json(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:
        return {}
