"""A thin async client of the DingTalk OpenAPI calls the bot makes (钉钉开放平台).

Why not the official SDK (``dingtalk-stream`` 0.24): its replies and card calls use
synchronous ``requests`` inside the event loop (one slow call stalls every worker), and its
connection opener runs in a thread executor; here every call is aiohttp on the bot's loop.

- ``POST /v1.0/oauth2/accessToken`` {appKey, appSecret} → {accessToken, expireIn}; the token
  is kept until five minutes before it expires and renewed once on a 401.
- ``POST /v1.0/card/instances/createAndDeliver`` (a card of the app's template to one user
  or group, ``callbackType: STREAM`` so its taps come over the Stream connection,
  ``outTrackId`` ours, so a resend after a crash is the same card) and
  ``PUT /v1.0/card/instances`` (the card's data updated in place).
- ``POST /v1.0/robot/groupMessages/send`` (markdown or a picture into a group),
  ``POST /v1.0/robot/oToMessages/batchSend`` (the robot's message to at most 20 users'
  private chats with it: markdown, an action card with a link, a picture; users DingTalk
  holds back, ``flowControlledStaffIdList``, are sent again after a pause),
  ``POST {oapi}/media/upload`` (a picture's media id).
- ``POST {oapi}/topapi/v2/user/get`` {userid} → job_number (工号), mobile, name.

Limits: an enterprise app may call each API 20 times a second (DingTalk's default
quota); calls are paced per API (a sliding window), and a throttled answer (HTTP 429, HTTP 403
``Forbidden.AccessDenied.QpsLimit…``, errcode 88/90002/90018) is retried after a pause
without giving up: the work it reports is already saved.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

import aiohttp

from chat.platform_api import RETRIES, PlatformApi, Verdict
from contest.directory import DirectoryEntry
from storage.types import Clock, utcnow

logger = logging.getLogger(__name__)

API_BASE = "https://api.dingtalk.com"
OAPI_BASE = "https://oapi.dingtalk.com"
QPS = 20  # per API, an enterprise internal app's default quota
THROTTLED_CODES = {88, 90002, 90006, 90018}
TOKEN_CODES = {40014, 42001}
BATCH_USERS = 20  # userIds in one oToMessages/batchSend call, DingTalk's documented cap


class DingTalkError(Exception):
    """DingTalk refused a call (not a throttle): HTTP status, its code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"HTTP {status} {code}: {message[:200]}")
        self.status, self.code = status, code


class DingTalkApi(PlatformApi):
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        card_template: str = "",
        api_base: str = API_BASE,
        oapi_base: str = OAPI_BASE,
        clock: Clock = utcnow,
        pause: float = 1.0,
    ) -> None:
        super().__init__(clock=clock, pause=pause)
        self.client_id, self.client_secret = client_id, client_secret
        self.card_template = card_template
        self.api_base, self.oapi_base = api_base.rstrip("/"), oapi_base.rstrip("/")

    # --- calls ---------------------------------------------------------------------------
    async def _fetch_token(self) -> tuple[str, int]:
        body = {"appKey": self.client_id, "appSecret": self.client_secret}
        async with self.session().post(f"{self.api_base}/v1.0/oauth2/accessToken", json=body) as r:
            answer = await r.json(content_type=None)
            if r.status != 200 or "accessToken" not in answer:
                raise DingTalkError(r.status, str(answer.get("code", "")), str(answer))
        return str(answer["accessToken"]), int(answer["expireIn"])

    async def open_connection(self, topics: list[dict[str, str]]) -> tuple[str, str]:
        """The Stream gateway's endpoint and one-time ticket for a new connection."""
        body = {
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "subscriptions": topics,
            "ua": "qualityquiz",
            "localIp": "",
        }
        url = f"{self.api_base}/v1.0/gateway/connections/open"
        async with self.session().post(url, json=body) as response:
            answer = await response.json(content_type=None)
            if response.status != 200 or "endpoint" not in answer:
                raise DingTalkError(response.status, str(answer.get("code", "")), str(answer))
        return str(answer["endpoint"]), str(answer["ticket"])

    async def send_card(
        self,
        *,
        biz_id: str,
        params: Mapping[str, str],
        user_id: str | None = None,
        conversation_id: str | None = None,
    ) -> None:
        """A card of the app's template (卡片平台) to one user (单聊 with the robot) or into a
        group, its taps coming back over the Stream connection; ``biz_id`` (outTrackId)
        names it for updates, and a resend with the same one is the same card."""
        body: dict[str, Any] = {
            "cardTemplateId": self.card_template,
            "outTrackId": biz_id,
            "callbackType": "STREAM",
            "cardData": {"cardParamMap": dict(params)},
            "imGroupOpenSpaceModel": {"supportForward": False},
            "imRobotOpenSpaceModel": {"supportForward": False},
        }
        if conversation_id is not None:
            body["openSpaceId"] = f"dtv1.card//IM_GROUP.{conversation_id}"
            body["imGroupOpenDeliverModel"] = {"robotCode": self.client_id}
        else:
            body["openSpaceId"] = f"dtv1.card//IM_ROBOT.{user_id}"
            body["imRobotOpenDeliverModel"] = {"spaceType": "IM_ROBOT", "robotCode": self.client_id}
        await self._call("POST", "/v1.0/card/instances/createAndDeliver", body)

    async def update_card(self, *, biz_id: str, params: Mapping[str, str]) -> None:
        body = {
            "outTrackId": biz_id,
            "cardData": {"cardParamMap": dict(params)},
            "cardUpdateOptions": {"updateCardDataByKey": True},
        }
        await self._call("PUT", "/v1.0/card/instances", body)

    async def send_group(
        self, *, conversation_id: str, msg_key: str, param: dict[str, Any]
    ) -> None:
        """A robot message into a group: ``sampleMarkdown`` {title, text}, ``sampleImageMsg``
        {photoURL} (a media id from :meth:`upload_image` serves as the URL)."""
        body = {
            "robotCode": self.client_id,
            "openConversationId": conversation_id,
            "msgKey": msg_key,
            "msgParam": json.dumps(param, ensure_ascii=False),
        }
        await self._call("POST", "/v1.0/robot/groupMessages/send", body)

    async def send_users(self, *, user_ids: list[str], msg_key: str, param: dict[str, Any]) -> None:
        """A robot message to each user's private chat with the app (单聊): ``sampleMarkdown``
        {title, text}, ``sampleActionCard`` {title, text, singleTitle, singleURL},
        ``sampleImageMsg`` {photoURL} (a media id serves as the URL). At most
        :data:`BATCH_USERS` users a call; users held back by flow control go again."""
        waiting, throttles = list(dict.fromkeys(user_ids)), 0
        while waiting:
            batch, rest = waiting[:BATCH_USERS], waiting[BATCH_USERS:]
            body = {
                "robotCode": self.client_id,
                "userIds": batch,
                "msgKey": msg_key,
                "msgParam": json.dumps(param, ensure_ascii=False),
            }
            answer = await self._call("POST", "/v1.0/robot/oToMessages/batchSend", body)
            invalid = [str(u) for u in answer.get("invalidStaffIdList") or []]
            if invalid:
                raise DingTalkError(200, "invalidStaffIdList", ",".join(invalid))
            held = [str(u) for u in answer.get("flowControlledStaffIdList") or []]
            if held:
                throttles += 1
                if throttles > RETRIES:  # the outbox backs off and tries the row again
                    raise DingTalkError(200, "flowControlledStaffIdList", ",".join(held))
                await asyncio.sleep(min(self.pause * throttles, 10.0))
            waiting = held + rest

    async def upload_image(self, data: bytes, *, filename: str = "board.png") -> str:
        def form() -> aiohttp.FormData:  # built anew for each try: a form is read once
            built = aiohttp.FormData()
            built.add_field("type", "image")
            built.add_field("media", data, filename=filename, content_type="image/png")
            return built

        answer = await self._call("POST", "/media/upload", form, oapi=True)
        return str(answer["media_id"])

    async def user(self, user_id: str) -> DirectoryEntry:
        """The directory's entry for a user id: name, 工号 (job_number), mobile."""
        answer = await self._call("POST", "/topapi/v2/user/get", {"userid": user_id}, oapi=True)
        result = answer.get("result") or {}
        return DirectoryEntry(
            name=str(result.get("name") or ""),
            employee_no=str(result.get("job_number") or ""),
            mobile=str(result.get("mobile") or ""),
        )

    # --- the discipline ------------------------------------------------------------------
    async def _call(self, method: str, path: str, body: Any, *, oapi: bool = False) -> Any:
        """One call, paced per API (:meth:`chat.platform_api.PlatformApi._retrying`)."""
        return await self._retrying(
            lambda: self._request(method, path, body, oapi=oapi), [(path, QPS)]
        )

    def _verdict(self, status: int, answer: Any) -> Verdict:
        code = _code(answer)
        if _throttled(status, code):
            return Verdict.THROTTLED
        if status == 401 or code in {str(c) for c in TOKEN_CODES}:
            return Verdict.TOKEN_REFUSED
        return Verdict.OK if status == 200 and code in ("", "0") else Verdict.OTHER

    def _refusal(self, status: int, answer: Any) -> Exception:
        return DingTalkError(status, _code(answer), json.dumps(answer, ensure_ascii=False))

    def _unreachable(self, exc: Exception) -> Any:
        return {"code": type(exc).__name__}

    async def _request(self, method: str, path: str, body: Any, *, oapi: bool) -> tuple[int, Any]:
        token = await self.token()
        if oapi:
            url, headers = f"{self.oapi_base}{path}", {}
            params = {"access_token": token}
        else:
            url, headers = f"{self.api_base}{path}", {"x-acs-dingtalk-access-token": token}
            params = {}
        kwargs: dict[str, Any] = {"data": body()} if callable(body) else {"json": body}
        async with self.session().request(
            method, url, headers=headers, params=params, **kwargs
        ) as r:
            try:
                return r.status, await r.json(content_type=None)
            except ValueError:
                return r.status, {}


def _code(answer: Any) -> str:
    if not isinstance(answer, dict):
        return ""
    if "errcode" in answer:
        return str(answer["errcode"])
    return str(answer.get("code") or "")


def _throttled(status: int, code: str) -> bool:
    if status == 429 or "QpsLimit" in code or "Throttling" in code:
        return True
    return code.isdigit() and int(code) in THROTTLED_CODES
