"""A fake 企业微信 at its HTTP boundary for web authorisation: the authorize page
(open.weixin.qq.com) and the qyapi endpoints a self-built app calls, with WeCom's JSON
(``errcode``/``errmsg``), its error codes (40029 invalid code, 40014/42001 token invalid or
expired, 45009 rate, 60111 unknown userid, 40001 bad secret) and its 2022 rule that
``user/get`` returns no mobile to a new app: only ``getuserdetail`` with the ``user_ticket``
of an ``snsapi_privateinfo`` authorisation does.

The same app's messages to members (应用消息): ``message/send`` (``text`` at most 2048
bytes, ``image`` by a ``media_id`` from ``media/upload``; an unknown member comes back in
``invaliduser``), with WeCom's limit of 30 messages a minute from the app to one member —
beyond it a message is dropped without an error, counted in ``dropped`` — and ``45009``
for the next calls when ``throttle_sends`` says so."""

from __future__ import annotations

import re
import secrets
import time
from collections import defaultdict, deque
from typing import Any

from aiohttp import web

from tests.fakes.signin_platform import FakePlatform

STATE = re.compile(r"^[a-zA-Z0-9]{0,128}$")


def ok(**fields: Any) -> web.Response:
    return web.json_response({"errcode": 0, "errmsg": "ok", **fields})


def err(code: int, message: str) -> web.Response:
    return web.json_response({"errcode": code, "errmsg": message})


class FakeWeCom(FakePlatform):
    def __init__(
        self,
        *,
        corp_id: str = "ww0123456789",
        secret: str = "wecom-secret",
        agent_id: str = "1000002",
    ) -> None:
        super().__init__()
        self.corp_id, self.secret, self.agent_id = corp_id, secret, agent_id
        self.tickets: dict[str, str] = {}
        self.outsiders: set[str] = set()  # signed in, but not members (an external contact)
        self.messages: list[dict[str, Any]] = []  # what members received: {to, msgtype, …}
        self.uploads: dict[str, bytes] = {}
        self.dropped = 0
        self.throttle_sends = 0
        self._per_member: dict[str, deque[float]] = defaultdict(deque)

    def member(
        self, userid: str, *, name: str, alias: str = "", mobile: str = "", number_attr: str = ""
    ) -> None:
        attrs = [{"type": 0, "name": "工号", "text": {"value": number_attr}}] if number_attr else []
        self.members[userid] = {
            "userid": userid,
            "name": name,
            "alias": alias,
            "mobile": mobile,
            "extattr": {"attrs": attrs},
        }

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/connect/oauth2/authorize", self.authorize)
        app.router.add_get("/cgi-bin/gettoken", self.gettoken)
        app.router.add_get("/cgi-bin/auth/getuserinfo", self.getuserinfo)
        app.router.add_get("/cgi-bin/user/get", self.user_get)
        app.router.add_post("/cgi-bin/auth/getuserdetail", self.getuserdetail)
        app.router.add_post("/cgi-bin/message/send", self.message_send)
        app.router.add_post("/cgi-bin/media/upload", self.media_upload)

    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("appid") != self.corp_id or q.get("response_type") != "code":
            return web.Response(status=400, text="参数错误")
        if not self.redirect_allowed(q.get("redirect_uri", "")):
            return web.Response(status=400, text="redirect_uri需使用应用可信域名 (50001)")
        if not STATE.match(q.get("state", "")):
            return web.Response(status=400, text="state 参数只能是 a-zA-Z0-9，且不超过128字节")
        scope = q.get("scope")
        if scope == "snsapi_privateinfo" and q.get("agentid") != self.agent_id:
            return web.Response(status=400, text="agentid 错误")
        member = self.browser_user(request)
        if member is None:
            return self.outside_the_app()
        code = self.issue_code(member, scope=scope)
        return self.back_to(q["redirect_uri"], code=code, state=q.get("state", ""))

    def _token_error(self, request: web.Request) -> web.Response | None:
        if self.throttled:
            return err(45009, "api freq out of limit")
        state = self.token_state(request.query.get("access_token", ""))
        if state == "expired":
            return err(42001, "access_token expired")
        if state == "invalid":
            return err(40014, "invalid access_token")
        return None

    async def gettoken(self, request: web.Request) -> web.Response:
        if self.throttled:
            return err(45009, "api freq out of limit")
        if request.query.get("corpid") != self.corp_id:
            return err(40013, "invalid corpid")
        if request.query.get("corpsecret") != self.secret:
            return err(40001, "invalid credential")
        return ok(access_token=self.new_token(), expires_in=7200)

    async def getuserinfo(self, request: web.Request) -> web.Response:
        if (refused := self._token_error(request)) is not None:
            return refused
        issued = self.take_code(request.query.get("code", ""))
        if issued is None:
            return err(40029, "invalid code")
        if issued.member in self.outsiders:
            return ok(openid="oAAAAA" + issued.member, external_userid="")
        fields: dict[str, Any] = {"userid": issued.member}
        if issued.extra.get("scope") == "snsapi_privateinfo":
            ticket = secrets.token_hex(16)
            self.tickets[ticket] = issued.member
            fields["user_ticket"], fields["expires_in"] = ticket, 1800
        return ok(**fields)

    async def user_get(self, request: web.Request) -> web.Response:
        if (refused := self._token_error(request)) is not None:
            return refused
        member = self.members.get(request.query.get("userid", ""))
        if member is None:
            return err(60111, "userid not found")
        shown = {k: v for k, v in member.items() if k != "mobile"}  # new apps: no mobile
        return ok(**shown, department=[1], status=1)

    async def getuserdetail(self, request: web.Request) -> web.Response:
        if (refused := self._token_error(request)) is not None:
            return refused
        body = await request.json()
        userid = self.tickets.get(body.get("user_ticket", ""))
        if userid is None:
            return err(40129, "invalid user_ticket")
        member = self.members[userid]
        return ok(userid=userid, mobile=member["mobile"], gender="1", email="")

    async def message_send(self, request: web.Request) -> web.Response:
        if (refused := self._token_error(request)) is not None:
            return refused
        if self.throttle_sends > 0:
            self.throttle_sends -= 1
            return err(45009, "api freq out of limit")
        body = await request.json()
        if str(body.get("agentid")) != self.agent_id:
            return err(40056, "invalid agentid")
        kind = body.get("msgtype")
        if kind == "text" and len(body["text"]["content"].encode()) > 2048:
            return err(44004, "text content exceeds 2048 bytes")
        if kind == "image" and body["image"]["media_id"] not in self.uploads:
            return err(40007, "invalid media_id")
        if kind not in ("text", "image"):
            return err(40008, "invalid message type")
        invalid = [u for u in str(body.get("touser", "")).split("|") if u not in self.members]
        for user in str(body.get("touser", "")).split("|"):
            if user in invalid:
                continue
            window, now = self._per_member[user], time.monotonic()
            while window and now - window[0] >= 60.0:
                window.popleft()
            if len(window) >= 30:
                self.dropped += 1  # WeCom drops it and says nothing
                continue
            window.append(now)
            self.messages.append({"to": user, **{k: v for k, v in body.items() if k != "touser"}})
        return ok(invaliduser="|".join(invalid), msgid=secrets.token_hex(8))

    async def media_upload(self, request: web.Request) -> web.Response:
        if (refused := self._token_error(request)) is not None:
            return refused
        if request.query.get("type") != "image":
            return err(40004, "invalid media type")
        form = await request.post()
        media = form["media"]
        assert isinstance(media, web.FileField)
        media_id = "3" + secrets.token_hex(16)
        self.uploads[media_id] = media.file.read()
        return ok(type="image", media_id=media_id, created_at=str(int(time.time())))
