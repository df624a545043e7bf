"""A fake Feishu at its protocol boundary: the tenant token, the long connection's endpoint
call and WebSocket with its protobuf frames and answers, the message and card-update APIs,
image upload and the contact directory, over real HTTP on aiohttp's test server.

It keeps Feishu's documented behaviour where the bot depends on it: an event not answered
is delivered again on the next connection; five messages a second to one user or group, a
card updated at most five times a second (beyond: code 230020); an API answers 50 calls a
second (beyond: HTTP 429, code 99991400); a wrong token is code 99991663; a ``uuid`` sent
again within the hour is the same message; an unknown user is code 41050; an image message
must name an ``image_key`` that was uploaded. ``throttle_next`` makes the next calls of an
API answer as a busy Feishu does (HTTP 429, code 99991400).
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from chat.feishu.frames import CONTROL, DATA, Frame, decode, encode
from tests.fakes.messenger import FakeMessenger
from tests.fakes.messenger import SeenCard as Card


@dataclass
class SeenCard(Card[dict[str, Any]]):
    """A card as a user sees it; a button carries its ``value``."""

    @property
    def message_id(self) -> str:
        return self.id


@dataclass
class FakeFeishu(FakeMessenger[SeenCard]):
    app_id: str = "cli_app"
    app_secret: str = "feishu-secret"
    images: list[dict[str, Any]] = field(default_factory=list)
    unanswered: dict[str, bytes] = field(default_factory=dict)
    answered: set[str] = field(default_factory=set)
    busiest_second: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def __post_init__(self) -> None:
        super().__post_init__()
        self._uuids: dict[str, str] = {}
        self._frames: dict[str, bytes] = {}
        self.pings = 0
        self._throttle: dict[str, int] = defaultdict(int)
        self.uploads: dict[str, bytes] = {}

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/open-apis/auth/v3/tenant_access_token/internal", self._token)
        app.router.add_post("/callback/ws/endpoint", self._endpoint)
        app.router.add_get("/ws", self._connect)
        app.router.add_post("/open-apis/im/v1/messages", self._send)
        app.router.add_patch("/open-apis/im/v1/messages/{message_id}", self._update)
        app.router.add_post("/open-apis/im/v1/images", self._image)
        app.router.add_get("/open-apis/contact/v3/users/{open_id}", self._user)

    # --- what people do ------------------------------------------------------------------
    def add_user(self, open_id: str, *, name: str, employee_no: str = "", mobile: str = "") -> None:
        self.users[open_id] = {
            "open_id": open_id,
            "name": name,
            "employee_no": employee_no,
            "mobile": mobile,
        }

    async def say(self, open_id: str, text: str, *, group: str | None = None) -> str:
        content = {"text": f"@_user_1 {text}" if group else text}
        event = {
            "sender": {"sender_id": {"open_id": open_id}, "sender_type": "user"},
            "message": {
                "message_id": f"om_in{next(self._ids)}",
                "chat_id": group or f"oc_p2p_{open_id}",
                "chat_type": "group" if group else "p2p",
                "message_type": "text",
                "content": json.dumps(content, ensure_ascii=False),
                "mentions": [{"key": "@_user_1", "name": "竞赛助手"}] if group else [],
            },
        }
        return await self._push("im.message.receive_v1", event)

    async def tap(self, open_id: str, card: SeenCard, label_part: str) -> str:
        event = {
            "operator": {"open_id": open_id},
            "token": uuid.uuid4().hex,
            "action": {"tag": "button", "value": card.button(label_part)},
            "context": {"open_message_id": card.message_id, "open_chat_id": f"oc_p2p_{open_id}"},
        }
        return await self._push("card.action.trigger", event)

    async def _push(self, kind: str, event: dict[str, Any]) -> str:
        event_id = uuid.uuid4().hex
        body = {
            "schema": "2.0",
            "header": {
                "event_id": event_id,
                "event_type": kind,
                "create_time": str(int(time.time() * 1000)),
                "token": "",
                "app_id": self.app_id,
                "tenant_key": "tenant",
            },
            "event": event,
        }
        payload = json.dumps(body, ensure_ascii=False).encode()
        half = len(payload) // 2  # sent in two parts, as Feishu does with large events
        frames = [
            Frame(
                seq_id=next(self._ids),
                service=1,
                method=DATA,
                payload=part,
                headers=[
                    ("type", "event"),
                    ("message_id", event_id),
                    ("sum", "2"),
                    ("seq", str(i)),
                    ("trace_id", uuid.uuid4().hex),
                ],
            )
            for i, part in enumerate((payload[:half], payload[half:]))
        ]
        data = b"".join(len(encode(f)).to_bytes(4, "big") + encode(f) for f in frames)
        self.unanswered[event_id] = self._frames[event_id] = data
        await self.push(_frames(data))
        return event_id

    def redeliver(self, event_id: str) -> None:
        """As if our answer never reached Feishu: the event goes again on the next connection."""
        self.answered.discard(event_id)
        self.unanswered[event_id] = self._frames[event_id]

    async def acked(self, event_id: str, *, within: float = 30.0) -> None:
        await self.until(lambda: event_id in self.answered, f"event {event_id}", within=within)

    # --- the connection ------------------------------------------------------------------
    async def _token(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (body.get("app_id"), body.get("app_secret")) != (self.app_id, self.app_secret):
            return web.json_response({"code": 10014, "msg": "app secret invalid"})
        return web.json_response(
            {"code": 0, "msg": "ok", "tenant_access_token": self.token, "expire": 7200}
        )

    async def _endpoint(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (body.get("AppID"), body.get("AppSecret")) != (self.app_id, self.app_secret):
            return web.json_response({"code": 1000040344, "msg": "invalid credential"})
        url = self.socket_url("/ws")
        return web.json_response(
            {
                "code": 0,
                "data": {
                    "URL": f"{url}?device_id={uuid.uuid4().hex}&service_id=1",
                    "ClientConfig": {
                        "PingInterval": 120,
                        "ReconnectCount": -1,
                        "ReconnectInterval": 120,
                        "ReconnectNonce": 30,
                    },
                },
            }
        )

    async def _connect(self, request: web.Request) -> web.StreamResponse:
        unanswered = (_frames(data) for data in self.unanswered.values())
        return await self.serve_socket(request, unanswered, self._answer)

    async def _answer(self, ws: web.WebSocketResponse, message: Any) -> None:
        if message.type is not WSMsgType.BINARY:
            return
        frame = decode(message.data)
        if frame.method == CONTROL and frame.header("type") == "ping":
            self.pings += 1
            pong = Frame(
                service=frame.service,
                method=CONTROL,
                headers=[("type", "pong")],
                payload=json.dumps({"PingInterval": 120}).encode(),
            )
            await ws.send_bytes(encode(pong))
        elif frame.method == DATA and json.loads(frame.payload).get("code") == 200:
            event_id = frame.header("message_id")
            if frame.header("seq") == "1" or frame.header("sum", "1") == "1":
                self.unanswered.pop(event_id, None)
                self.answered.add(event_id)

    # --- the open API --------------------------------------------------------------------
    def _over(self, key: str, rate: int) -> bool:
        calls = self.admit(key, rate)
        if calls is None:
            return True
        kind = key.split(":")[0]
        self.busiest_second[kind] = max(self.busiest_second[kind], calls)
        return False

    def throttle_next(self, api: str, calls: int = 1) -> None:
        """The next ``calls`` calls of ``api`` (send, update, image, user) are refused."""
        self._throttle[api] += calls

    def _refused(self, request: web.Request, api: str) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"code": 99991663, "msg": "Invalid access token"})
        forced = self._throttle[api] > 0
        if forced:
            self._throttle[api] -= 1
            self.throttled += 1
        if forced or self._over(f"api:{api}", 50):
            return web.json_response(
                {"code": 99991400, "msg": "request trigger frequency limit"}, status=429
            )
        return None

    async def _send(self, request: web.Request) -> web.Response:
        refused = self._refused(request, "send")
        if refused is not None:
            return refused
        body = await request.json()
        to = body["receive_id"]
        if body.get("uuid") in self._uuids:
            return web.json_response({"code": 0, "data": {"message_id": self._uuids[body["uuid"]]}})
        if self._over(f"receiver:{to}", 5):
            return web.json_response(
                {"code": 230020, "msg": "This operation triggers the frequency limit"}, status=400
            )
        message_id = f"om_{next(self._ids)}"
        self._uuids[body.get("uuid") or message_id] = message_id
        content = json.loads(body["content"])
        if body["msg_type"] == "image":
            if content.get("image_key") not in self.uploads:
                return web.json_response({"code": 230001, "msg": "invalid image_key"}, status=400)
            self.images.append({"to": to, "message_id": message_id, **content})
        else:
            self.show(_seen(message_id, to, content))
        return web.json_response({"code": 0, "data": {"message_id": message_id}})

    async def _update(self, request: web.Request) -> web.Response:
        refused = self._refused(request, "update")
        if refused is not None:
            return refused
        message_id = request.match_info["message_id"]
        old = self.cards.get(message_id)
        if old is None:
            return web.json_response({"code": 230001, "msg": "message not found"}, status=400)
        if self._over(f"card:{message_id}", 5):
            return web.json_response(
                {"code": 230020, "msg": "This operation triggers the frequency limit"}, status=400
            )
        card = _seen(message_id, old.to, json.loads((await request.json())["content"]))
        self.show(card, updated=old)
        return web.json_response({"code": 0, "data": {}})

    async def _image(self, request: web.Request) -> web.Response:
        refused = self._refused(request, "image")
        if refused is not None:
            return refused
        form = await request.post()
        image = form["image"]
        assert form.get("image_type") == "message" and isinstance(image, web.FileField)
        key = f"img_{next(self._ids)}"
        self.uploads[key] = image.file.read()
        return web.json_response({"code": 0, "data": {"image_key": key}})

    async def _user(self, request: web.Request) -> web.Response:
        refused = self._refused(request, "user")
        if refused is not None:
            return refused
        user = self.users.get(request.match_info["open_id"])
        if user is None:
            return web.json_response({"code": 41050, "msg": "no user authority error"}, status=400)
        return web.json_response({"code": 0, "data": {"user": user}})


def _seen(message_id: str, to: str, card: dict[str, Any]) -> SeenCard:
    text = "\n".join(e["content"] for e in card["elements"] if e["tag"] == "markdown")
    buttons = [  # a link button carries its address instead of a value
        (b["text"]["content"], b.get("value") or {"url": b["multi_url"]["url"]})
        for e in card["elements"]
        if e["tag"] == "action"
        for b in e["actions"]
    ]
    return SeenCard(message_id, to, card["header"]["title"]["content"], text, buttons)


def _frames(data: bytes) -> list[bytes]:
    """An event's frames, each stored behind its 4-byte length."""
    parts, at = [], 0
    while at < len(data):
        size = int.from_bytes(data[at : at + 4], "big")
        parts.append(data[at + 4 : at + 4 + size])
        at += 4 + size
    return parts
