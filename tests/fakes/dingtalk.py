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
import itertools
import json
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

BOT_TOPIC = "/v1.0/im/bot/messages/get"
CARD_TOPIC = "/v1.0/card/instances/callback"


@dataclass
class SeenCard:
    """A card as a user sees it now (its latest update)."""

    biz_id: str
    to: str  # user id, or the group's conversation id
    title: str
    text: str
    buttons: list[tuple[str, str]]  # (label, button id = action token)
    updates: int = 0

    def button(self, label_part: str) -> str:
        for label, token in self.buttons:
            if label_part in label:
                return token
        raise AssertionError(f"no button {label_part!r} on {self.title!r}: {self.buttons}")


@dataclass
class FakeDingTalk:
    client_id: str = "ding-app"
    client_secret: str = "ding-secret"
    card_template: str = "qq-quiz.schema"
    qps: int = 20
    users: dict[str, dict[str, str]] = field(default_factory=dict)
    cards: dict[str, SeenCard] = field(default_factory=dict)
    by_user: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    group_messages: list[dict[str, Any]] = field(default_factory=list)
    private_messages: list[dict[str, Any]] = field(default_factory=list)  # batchSend, per user
    throttled: int = 0
    busiest_second: int = 0  # the most calls one API accepted within a second
    connections: int = 0
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    unacked: dict[str, dict[str, Any]] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)
    frames: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.server: TestServer | None = None
        self.token = uuid.uuid4().hex
        self._ws: web.WebSocketResponse | None = None
        self._tickets: set[str] = set()
        self._calls: dict[str, deque[float]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self.connected = asyncio.Event()
        self.gate: asyncio.Event | None = None  # when set up, cards wait for it (a slow DingTalk)
        self._throttle: dict[str, int] = defaultdict(int)
        self.flow_controlled = 0  # the next batchSend calls hold their users back

    # --- running -------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1.0/oauth2/accessToken", self._access_token)
        app.router.add_post("/v1.0/gateway/connections/open", self._open)
        app.router.add_get("/connect", self._connect)
        app.router.add_post("/v1.0/card/instances/createAndDeliver", self._send_card)
        app.router.add_put("/v1.0/card/instances", self._update_card)
        app.router.add_post("/v1.0/robot/groupMessages/send", self._group_message)
        app.router.add_post("/v1.0/robot/oToMessages/batchSend", self._batch_send)
        app.router.add_post("/media/upload", self._upload)
        app.router.add_post("/topapi/v2/user/get", self._user_get)
        self.server = TestServer(app)
        await self.server.start_server()
        return str(self.server.make_url("")).rstrip("/")

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self.server is not None:
            await self.server.close()

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

    def seen(self, user_id: str) -> list[SeenCard]:
        return [self.cards[biz] for biz in self.by_user[user_id]]

    def last(self, user_id: str) -> SeenCard:
        return self.seen(user_id)[-1]

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
        await self.connected.wait()
        assert self._ws is not None
        await self._ws.send_str(json.dumps(frame, ensure_ascii=False))
        return message_id

    def redeliver(self, message_id: str) -> None:
        """As if the frame's acknowledgement was lost: it goes again on the next connection."""
        self.acks.pop(message_id, None)
        self.unacked[message_id] = self.frames[message_id]

    async def acked(self, message_id: str, *, within: float = 30.0) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while message_id not in self.acks:
            if loop.time() > deadline:
                raise TimeoutError(f"frame {message_id} not acknowledged")
            await asyncio.sleep(0.005)
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
        assert self.server is not None
        endpoint = str(self.server.make_url("/connect")).replace("http://", "ws://")
        return web.json_response({"endpoint": endpoint, "ticket": ticket})

    async def _connect(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=403)
        self._tickets.discard(ticket)  # a ticket opens one connection
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws, self.connections = ws, self.connections + 1
        for frame in list(self.unacked.values()):  # delivered again: never acknowledged
            await ws.send_str(json.dumps(frame, ensure_ascii=False))
        self.connected.set()
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                ack = json.loads(message.data)
                message_id = ack.get("headers", {}).get("messageId", "")
                if ack.get("code") == 200 and message_id in self.unacked:
                    del self.unacked[message_id]
                    self.acks[message_id] = ack
        if self._ws is ws:
            self._ws = None
            self.connected.clear()
        return ws

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
        window, now = self._calls[request.path], time.monotonic()
        while window and now - window[0] >= 1.0:
            window.popleft()
        forced = self._throttle[request.path] > 0
        if forced:
            self._throttle[request.path] -= 1
        if forced or len(window) >= self.qps:
            self.throttled += 1
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
        window.append(now)
        self.busiest_second = max(self.busiest_second, len(window))
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
        if biz_id not in self.cards:  # the same outTrackId again is the same card
            self.by_user[to].append(biz_id)
        self.cards[biz_id] = _seen(biz_id, to, body["cardData"]["cardParamMap"])
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
        card = _seen(old.biz_id, old.to, body["cardData"]["cardParamMap"])
        card.updates = old.updates + 1
        self.cards[old.biz_id] = card
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
