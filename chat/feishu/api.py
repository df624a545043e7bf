"""A thin async client of the Feishu (飞书) open API calls the bot makes.

Why not the official SDK (``lark-oapi`` 1.7): its long-connection client runs a module-level
event loop of its own (``ws.Client.start()`` fails inside a running loop in the releases
that plants run) and fetches its endpoint with synchronous ``requests``; its API client is
synchronous too unless every call is made through its ``a``-prefixed twins. Here every call
is aiohttp on the bot's loop, and the long connection's protobuf frames are read by
:mod:`chat.feishu.frames`.

- ``POST /open-apis/auth/v3/tenant_access_token/internal`` → ``tenant_access_token``,
  kept until five minutes before ``expire``;
- ``POST /callback/ws/endpoint`` {AppID, AppSecret} → the long connection's URL;
- ``POST /open-apis/im/v1/messages?receive_id_type=open_id|chat_id`` (a card,
  ``msg_type: interactive``, or a picture; ``uuid`` makes a resend the same message) and
  ``PATCH /open-apis/im/v1/messages/{message_id}`` (a card updated in place);
- ``POST /open-apis/im/v1/images`` (a picture's ``image_key``);
- ``GET /open-apis/contact/v3/users/{open_id}`` → name, ``employee_no`` (工号), mobile.

Limits, as Feishu documents them: 5 messages a second to one user or one group, a card
updated at most 5 times a second, 50 calls a second per API for the app. Calls are paced
per receiver, per message and per API; a throttled answer (HTTP 429, code 99991400, or
230020 "frequency limit") is retried after a pause without giving up.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

from chat.platform_api import PlatformApi, Verdict
from contest.directory import DirectoryEntry
from storage.types import Clock, utcnow

logger = logging.getLogger(__name__)

API_BASE = "https://open.feishu.cn"
PER_RECEIVER = 5  # messages a second to one user or group
PER_MESSAGE = 5  # updates a second of one card
PER_API = 50
THROTTLED = {99991400, 230020}
TOKEN_CODES = {99991661, 99991663, 99991668}


class FeishuError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"HTTP {status} code {code}: {message[:200]}")
        self.status, self.code = status, code


class FeishuApi(PlatformApi):
    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        api_base: str = API_BASE,
        clock: Clock = utcnow,
        pause: float = 1.0,
    ) -> None:
        super().__init__(clock=clock, pause=pause)
        self.app_id, self.app_secret = app_id, app_secret
        self.api_base = api_base.rstrip("/")

    async def _fetch_token(self) -> tuple[str, int]:
        url = f"{self.api_base}/open-apis/auth/v3/tenant_access_token/internal"
        body = {"app_id": self.app_id, "app_secret": self.app_secret}
        async with self.session().post(url, json=body) as response:
            answer = await response.json(content_type=None)
        if answer.get("code") != 0:
            raise FeishuError(response.status, int(answer.get("code", -1)), str(answer))
        return str(answer["tenant_access_token"]), int(answer["expire"])

    async def endpoint(self) -> str:
        """The long connection's URL (with its device and service ids)."""
        body = {"AppID": self.app_id, "AppSecret": self.app_secret}
        url = f"{self.api_base}/callback/ws/endpoint"
        async with self.session().post(url, json=body, headers={"locale": "zh"}) as response:
            answer = await response.json(content_type=None)
        if response.status != 200 or answer.get("code") != 0:
            raise FeishuError(response.status, int(answer.get("code", -1)), str(answer))
        return str(answer["data"]["URL"])

    async def send_card(
        self,
        *,
        uuid: str,
        card: Mapping[str, Any],
        open_id: str | None = None,
        chat_id: str | None = None,
    ) -> str:
        """A card to a user (by open_id) or into a group; its message id."""
        return await self._send(uuid, "interactive", card, open_id=open_id, chat_id=chat_id)

    async def send_image(
        self, *, uuid: str, image_key: str, open_id: str | None = None, chat_id: str | None = None
    ) -> str:
        """A picture (its ``image_key`` from :meth:`upload_image`) to a user or a group."""
        content = {"image_key": image_key}
        return await self._send(uuid, "image", content, open_id=open_id, chat_id=chat_id)

    async def _send(
        self,
        uuid: str,
        kind: str,
        content: Mapping[str, Any],
        *,
        open_id: str | None = None,
        chat_id: str | None = None,
    ) -> str:
        id_type, receiver = ("chat_id", chat_id) if chat_id else ("open_id", open_id)
        body = {
            "receive_id": receiver,
            "msg_type": kind,
            "uuid": uuid[:50],
            "content": json.dumps(content, ensure_ascii=False),
        }
        answer = await self._call(
            "POST",
            f"/open-apis/im/v1/messages?receive_id_type={id_type}",
            body,
            pace=(f"to:{receiver}", PER_RECEIVER),
        )
        return str(answer["data"]["message_id"])

    async def update_card(self, *, message_id: str, card: Mapping[str, Any]) -> None:
        body = {"content": json.dumps(card, ensure_ascii=False)}
        await self._call(
            "PATCH",
            f"/open-apis/im/v1/messages/{message_id}",
            body,
            pace=(f"card:{message_id}", PER_MESSAGE),
        )

    async def upload_image(self, data: bytes) -> str:
        def form() -> aiohttp.FormData:
            built = aiohttp.FormData()
            built.add_field("image_type", "message")
            built.add_field("image", data, filename="board.png", content_type="image/png")
            return built

        answer = await self._call("POST", "/open-apis/im/v1/images", form)
        return str(answer["data"]["image_key"])

    async def user(self, open_id: str) -> DirectoryEntry:
        """The directory's entry for an account: name, 工号 (employee_no), mobile."""
        path = f"/open-apis/contact/v3/users/{open_id}?user_id_type=open_id"
        answer = await self._call("GET", path, None)
        user = (answer.get("data") or {}).get("user") or {}
        return DirectoryEntry(
            name=str(user.get("name") or ""),
            employee_no=str(user.get("employee_no") or ""),
            mobile=str(user.get("mobile") or ""),
        )

    # --- the discipline ------------------------------------------------------------------
    async def _call(
        self, method: str, path: str, body: Any, *, pace: tuple[str, int] | None = None
    ) -> Any:
        """One call, paced per API and by ``pace`` (a receiver's, a card's)."""
        api = path.split("?")[0].rsplit("/", 1)[0] if method == "PATCH" else path.split("?")[0]
        paces = [(f"api:{method}:{api}", PER_API), *([pace] if pace is not None else [])]
        return await self._retrying(lambda: self._request(method, path, body), paces)

    def _verdict(self, status: int, answer: Any) -> Verdict:
        code = _code(answer)
        if status == 429 or code in THROTTLED:
            return Verdict.THROTTLED
        if status == 401 or code in TOKEN_CODES:
            return Verdict.TOKEN_REFUSED
        return Verdict.OK if status == 200 and code == 0 else Verdict.OTHER

    def _refusal(self, status: int, answer: Any) -> Exception:
        return FeishuError(status, _code(answer), json.dumps(answer, ensure_ascii=False))

    async def _request(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {await self.token()}"}
        kwargs: dict[str, Any] = {}
        if isinstance(body, Callable):  # type: ignore[arg-type]
            kwargs["data"] = body()  # a form is built anew for each try
        elif body is not None:
            kwargs["json"] = body
        url = f"{self.api_base}{path}"
        async with self.session().request(method, url, headers=headers, **kwargs) as response:
            try:
                return response.status, await response.json(content_type=None)
            except ValueError:
                return response.status, {}


def _code(answer: Any) -> int:
    return int(answer.get("code", -1)) if isinstance(answer, dict) else -1
