"""A fake DingTalk at its protocol boundary: the token and Stream gateway calls, the Stream
WebSocket with its frames and acknowledgements, the card platform (createAndDeliver, update),
group messages and the robot's messages to users (oToMessages/batchSend), media upload and
the directory (topapi/v2/user/get), over real HTTP on aiohttp's test server.

It keeps DingTalk's documented behaviour where the bot depends on it: a frame not
acknowledged is delivered again on the next connection; each API answers at most ``qps``
calls a second per app (DingTalk's default 20) and refuses the rest with HTTP 403
``Forbidden.AccessDenied.QpsLimitForApi`` (``throttle_next`` makes the next calls of an API
answer so, as a busy DingTalk does); a wrong token is a 401; an unknown card cannot be
updated; an unknown user is errcode 60121; ``batchSend`` takes at most 20 userIds, lists
unknown ones in ``invalidStaffIdList`` and, while ``flow_controlled`` counts down, holds
users back in ``flowControlledStaffIdList`` (DingTalk's per-user flow control). Tests speak
to it as people would: a user sends a text, taps a button on the card they see.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.messenger import FakeMessenger
from tests.fakes.messenger import SeenCard as Card

BOT_TOPIC = "/v1.0/im/bot/messages/get"
CARD_TOPIC = "/v1.0/card/instances/callback"


@dataclass
class SeenCard(Card[str]):
    """A card as a user sees it; a button carries its id (the action token)."""

    @property
    def biz_id(self) -> str:
        return self.id


@dataclass
class FakeDingTalk(FakeMessenger[SeenCard]):
    client_id: str = "ding-app"
    client_secret: str = "ding-secret"
    card_template: str = "qq-quiz.schema"
    qps: int = 20
    group_messages: list[dict[str, Any]] = field(default_factory=list)
    private_messages: list[dict[str, Any]] = field(default_factory=list)  # batchSend, per user
    busiest_second: int = 0  # the most calls one API accepted within a second
    connections: int = 0
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    unacked: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)
    frames: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._tickets: set[str] = set()
        self.gate: asyncio.Event | None = None  # when set up, cards wait for it (a slow DingTalk)
        self._throttle: dict[str, int] = defaultdict(int)
        self.flow_controlled = 0  # the next batchSend calls hold their users back

    # --- running -------------------------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1.0/oauth2/accessToken", self._access_token)
        app.router.add_post("/v1.0/gateway/connections/open", self._open)
        app.router.add_get("/connect", self._connect)
        app.router.add_post("/v1.0/card/instances/createAndDeliver", self._send_card)
        app.router.add_put("/v1.0/card/instances", self._update_card)
        app.router.add_post("/v1.0/robot/groupMessages/send", self._group_message)
        app.router.add_post("/v1.0/robot/oToMessages/batchSend", self._batch_send)
        app.router.add_post("/media/upload", self._upload)
        app.router.add_post("/topapi/v2/user/get", self._user_get)

    async def drop_connection(self) -> None:
        """The server closes the socket (a restart on DingTalk's side)."""
        self.connected.clear()
        if self._ws is not None:
            await self._ws.close()

    # --- what people do ------------------------------------------------------------------
    def add_user(self, user_id: str, *, name: str, job_number: str = "", mobile: str = "") -> None:
        self.users[user_id] = {
            "userid": user_id,
            "name": name,
            "job_number": job_number,
            "mobile": mobile,
        }

    async def say(self, user_id: str, text: str, *, group: str | None = None) -> str:
        """A user sends the bot a text (in a group: @-mentioning it); the frame's id."""
        data = {
            "conversationType": "2" if group else "1",
            "conversationId": group or f"cid-{user_id}",
            "senderStaffId": user_id,
            "senderId": f"$:{user_id}",
            "msgtype": "text",
            "text": {"content": text},
            "msgId": f"msg{next(self._ids)}",
            "senderNick": self.users.get(user_id, {}).get("name", user_id),
            "conversationTitle": "质量部群" if group else "",
            "robotCode": self.client_id,
            "sessionWebhook": "https://oapi.dingtalk.invalid/robot/sendBySession",
        }
        return await self._push(BOT_TOPIC, data)

    async def tap(self, user_id: str, card: SeenCard, label_part: str) -> str:
        """A user taps a button on a card they see; the frame's id."""
        token = card.button(label_part)
        content = {"cardPrivateData": {"actionIds": [token], "params": {"action": token}}}
        data = {
            "outTrackId": card.biz_id,
            "userId": user_id,
            "corpId": "corp",
            "type": "actionCallback",
            "content": json.dumps(content),
        }
        return await self._push(CARD_TOPIC, data)

    def throttle_next(self, path: str, calls: int = 1) -> None:
        """The next ``calls`` calls of ``path`` are refused as over the QPS limit."""
        self._throttle[path] += calls

    def messages_to(self, user_id: str) -> list[dict[str, Any]]:
        """The robot's messages in the user's private chat: {msgKey, param}, in order."""
        return [m for m in self.private_messages if m["to"] == user_id]

    async def _push(self, topic: str, data: dict[str, Any]) -> str:
        message_id = uuid.uuid4().hex
        frame = {
            "specVersion": "1.0",
            "type": "CALLBACK",
            "headers": {
                "messageId": message_id,
                "topic": topic,
                "contentType": "application/json",
                "time": str(int(time.time() * 1000)),
                "appId": self.client_id,
            },
            "data": json.dumps(data, ensure_ascii=False),
        }
        self.unacked[message_id] = self.frames[message_id] = frame
        await self.push([json.dumps(frame, ensure_ascii=False)])
        return message_id

    def redeliver(self, message_id: str) -> None:
        """As if the frame's acknowledgement was lost: it goes again on the next connection."""
        self.acks.pop(message_id, None)
        self.unacked[message_id] = self.frames[message_id]

    async def acked(self, message_id: str, *, within: float = 30.0) -> dict[str, Any]:
        await self.until(lambda: message_id in self.acks, f"frame {message_id}", within=within)
        return self.acks[message_id]

    # --- the gateway ---------------------------------------------------------------------
    async def _access_token(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (body.get("appKey"), body.get("appSecret")) != (self.client_id, self.client_secret):
            return web.json_response(
                {"code": "invalidClientIdOrSecret", "message": "无效的clientId或者clientSecret"},
                status=400,
            )
        return web.json_response({"accessToken": self.token, "expireIn": 7200})

    async def _open(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (body.get("clientId"), body.get("clientSecret")) != (self.client_id, self.client_secret):
            return web.json_response({"code": "invalidClientIdOrSecret"}, status=400)
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        return web.json_response({"endpoint": self.socket_url("/connect"), "ticket": ticket})

    async def _connect(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=403)
        self._tickets.discard(ticket)  # a ticket opens one connection
        self.connections += 1
        unacked = ([json.dumps(f, ensure_ascii=False)] for f in self.unacked.values())
        return await self.serve_socket(request, unacked, self._ack)

    async def _ack(self, ws: web.WebSocketResponse, message: Any) -> None:
        if message.type is WSMsgType.TEXT:
            ack = json.loads(message.data)
            message_id = ack.get("headers", {}).get("messageId", "")
            if ack.get("code") == 200 and message_id in self.unacked:
                del self.unacked[message_id]
                self.acks[message_id] = ack

    # --- the OpenAPI ---------------------------------------------------------------------
    def _refused(self, request: web.Request, *, oapi: bool = False) -> web.Response | None:
        token = (
            request.query.get("access_token")
            if oapi
            else request.headers.get("x-acs-dingtalk-access-token")
        )
        if token != self.token:
            if oapi:
                return web.json_response({"errcode": 40014, "errmsg": "不合法的access_token"})
            return web.json_response({"code": "InvalidAuthentication"}, status=401)
        forced = self._throttle[request.path] > 0
        if forced:
            self._throttle[request.path] -= 1
            self.throttled += 1
        calls = None if forced else self.admit(request.path, self.qps)
        if calls is None:
            if oapi:
                return web.json_response(
                    {"errcode": 90018, "errmsg": "当前企业调用该接口超过每秒调用次数上限"}
                )
            return web.json_response(
                {
                    "code": "Forbidden.AccessDenied.QpsLimitForApi",
                    "message": "QPS limit for this API",
                },
                status=403,
            )
        self.busiest_second = max(self.busiest_second, calls)
        return None

    async def _send_card(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        if self.gate is not None:
            await self.gate.wait()
        body = await request.json()
        if body.get("cardTemplateId") != self.card_template or body.get("callbackType") != "STREAM":
            return web.json_response(
                {"code": "param.invalid", "message": "cardTemplateId"}, status=400
            )
        space, _, to = str(body.get("openSpaceId", "")).removeprefix("dtv1.card//").partition(".")
        deliver = body.get("imRobotOpenDeliverModel") or body.get("imGroupOpenDeliverModel") or {}
        if space not in ("IM_ROBOT", "IM_GROUP") or deliver.get("robotCode") != self.client_id:
            return web.json_response(
                {"code": "param.invalid", "message": "openSpaceId"}, status=400
            )
        biz_id = body["outTrackId"]
        self.show(_seen(biz_id, to, body["cardData"]["cardParamMap"]))
        return web.json_response({"success": True, "result": {"outTrackId": biz_id}})

    async def _update_card(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        if self.gate is not None:
            await self.gate.wait()
        body = await request.json()
        old = self.cards.get(body.get("outTrackId", ""))
        if old is None:
            return web.json_response({"code": "param.outTrackId.notExist"}, status=400)
        self.show(_seen(old.id, old.to, body["cardData"]["cardParamMap"]), updated=old)
        return web.json_response({"success": True})

    async def _group_message(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        body = await request.json()
        self.group_messages.append(
            {
                "to": body["openConversationId"],
                "msgKey": body["msgKey"],
                "param": json.loads(body["msgParam"]),
            }
        )
        return web.json_response({"processQueryKey": uuid.uuid4().hex})

    async def _batch_send(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        body = await request.json()
        users = body.get("userIds") or []
        if body.get("robotCode") != self.client_id or not 1 <= len(users) <= 20:
            return web.json_response(
                {"code": "param.invalid", "message": "robotCode / userIds (1-20)"}, status=400
            )
        if body.get("msgKey") not in ("sampleMarkdown", "sampleActionCard", "sampleImageMsg"):
            return web.json_response({"code": "param.invalid", "message": "msgKey"}, status=400)
        param = json.loads(body["msgParam"])
        if body["msgKey"] == "sampleImageMsg" and param.get("photoURL") not in self.uploads:
            return web.json_response({"code": "param.invalid", "message": "photoURL"}, status=400)
        invalid = [u for u in users if u not in self.users]
        held: list[str] = []
        if self.flow_controlled > 0:
            self.flow_controlled -= 1
            held = [u for u in users if u not in invalid]
        for user in users:
            if user not in invalid and user not in held:
                self.private_messages.append({"to": user, "msgKey": body["msgKey"], "param": param})
        return web.json_response(
            {
                "processQueryKey": uuid.uuid4().hex,
                "invalidStaffIdList": invalid,
                "flowControlledStaffIdList": held,
            }
        )

    async def _upload(self, request: web.Request) -> web.Response:
        refused = self._refused(request, oapi=True)
        if refused is not None:
            return refused
        form = await request.post()
        media = form["media"]
        assert isinstance(media, web.FileField)
        media_id = f"@media{next(self._ids)}"
        self.uploads[media_id] = media.file.read()
        return web.json_response({"errcode": 0, "errmsg": "ok", "media_id": media_id})

    async def _user_get(self, request: web.Request) -> web.Response:
        refused = self._refused(request, oapi=True)
        if refused is not None:
            return refused
        body = await request.json()
        user = self.users.get(body.get("userid", ""))
        if user is None:
            return web.json_response({"errcode": 60121, "errmsg": "找不到该用户"})
        return web.json_response({"errcode": 0, "errmsg": "ok", "result": user})


def _seen(biz_id: str, to: str, params: dict[str, str]) -> SeenCard:
    """What the template shows for these values (every value a string, as DingTalk wants)."""
    assert all(isinstance(v, str) for v in params.values())
    buttons = [(b["text"], b["action"]) for b in json.loads(params.get("buttons") or "[]")]
    return SeenCard(biz_id, to, params["title"], params["text"], buttons)
