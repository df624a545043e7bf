"""A fake 飞书 at its HTTP boundary for web-app sign-in: the authorize page
(accounts.feishu.cn), ``authen/v2/oauth/token`` (RFC 6749 errors with Feishu's codes: 20003
code not found, 20004 expired, 20010 no permission to use the app, 20024 code of another
app), ``authen/v1/user_info`` with the user's token, the tenant token and
``contact/v3/users/:user_id`` (99991663 invalid token, 99991400 frequency limit on HTTP
429, 41050 outside the app's 通讯录 range)."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from tests.fakes.signin_platform import FakePlatform


def answer(
    code: int = 0, msg: str = "success", *, status: int = 200, **fields: Any
) -> web.Response:
    return web.json_response({"code": code, "msg": msg, **fields}, status=status)


class FakeFeishu(FakePlatform):
    def __init__(self, *, app_id: str = "cli_a5ca35a685b0x26e", secret: str = "feishu-secret"):
        super().__init__()
        self.app_id, self.secret = app_id, secret
        self.user_tokens: dict[str, str] = {}  # user_access_token → open_id
        self.not_allowed: set[str] = set()  # members outside the app's 可用范围
        self.hidden: set[str] = set()  # members outside the app's 通讯录 range
        self.declines = False

    def member(self, open_id: str, *, name: str, employee_no: str = "", mobile: str = "") -> None:
        self.members[open_id] = {
            "open_id": open_id,
            "union_id": "on_" + open_id,
            "user_id": "u" + open_id[-6:],
            "name": name,
            "employee_no": employee_no,
            "mobile": mobile,
        }

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/open-apis/authen/v1/authorize", self.authorize)
        app.router.add_post("/open-apis/authen/v2/oauth/token", self.oauth_token)
        app.router.add_get("/open-apis/authen/v1/user_info", self.user_info)
        app.router.add_post("/open-apis/auth/v3/tenant_access_token/internal", self.tenant_token)
        app.router.add_get("/open-apis/contact/v3/users/{user_id}", self.contact_user)

    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("client_id") != self.app_id:
            return web.Response(status=400, text="app_id 无效 (20029)")
        if not self.redirect_allowed(q.get("redirect_uri", "")):
            return web.Response(status=400, text="重定向 URL 有误 (20029)")
        open_id = self.browser_user(request)
        if open_id is None:
            return self.outside_the_app()
        if self.declines:
            return self.back_to(q["redirect_uri"], error="access_denied", state=q.get("state", ""))
        code = self.issue_code(open_id, redirect_uri=q["redirect_uri"])
        return self.back_to(q["redirect_uri"], code=code, state=q.get("state", ""))

    async def oauth_token(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("client_id") != self.app_id or body.get("client_secret") != self.secret:
            return self._grant_error(20002, "invalid_client", "client authentication failed")
        if body.get("grant_type") != "authorization_code":
            return self._grant_error(20001, "invalid_request", "grant_type")
        issued = self.take_code(str(body.get("code", "")))
        if issued is None:
            return self._grant_error(20003, "invalid_grant", "authorization code not found")
        if issued.extra.get("redirect_uri") != body.get("redirect_uri"):
            return self._grant_error(20071, "invalid_grant", "redirect_uri mismatch")
        if issued.member in self.not_allowed:
            return self._grant_error(20010, "invalid_grant", "user has no permission to the app")
        token = "u-" + secrets.token_hex(12)
        self.user_tokens[token] = issued.member
        return web.json_response(
            {
                "code": 0,
                "access_token": token,
                "expires_in": 7200,
                "token_type": "Bearer",
                "scope": "",
            }
        )

    def _grant_error(self, code: int, error: str, description: str) -> web.Response:
        body = {"code": code, "error": error, "error_description": description}
        return web.json_response(body, status=400)

    async def user_info(self, request: web.Request) -> web.Response:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        open_id = self.user_tokens.get(token)
        if open_id is None:
            return answer(99991668, "Invalid access token for authorization.", status=401)
        user = self.members[open_id]
        # Without the employee / phone field scopes user_info carries only the basics.
        basics = {k: user[k] for k in ("open_id", "union_id", "name")}
        return answer(data={**basics, "tenant_key": "736588c9260f175d"})

    async def tenant_token(self, request: web.Request) -> web.Response:
        if self.throttled:
            return answer(99991400, "request trigger frequency limit", status=429)
        body = await request.json()
        if body.get("app_id") != self.app_id or body.get("app_secret") != self.secret:
            return answer(10014, "app secret invalid", status=400)
        return answer(tenant_access_token="t-" + self.new_token(), expire=7200)

    async def contact_user(self, request: web.Request) -> web.Response:
        if self.throttled:
            return answer(99991400, "request trigger frequency limit", status=429)
        token = request.headers.get("Authorization", "").removeprefix("Bearer t-")
        state = self.token_state(token)
        if state != "ok":
            return answer(99991663, "Invalid access token for authorization.", status=400)
        if request.query.get("user_id_type") != "open_id":
            return answer(40001, "invalid user_id_type", status=400)
        open_id = request.match_info["user_id"]
        if open_id in self.hidden:
            return answer(41050, "no user authority error", status=400)
        user = self.members.get(open_id)
        if user is None:
            return answer(41012, "user id invalid", status=400)
        return answer(data={"user": {**user, "status": {"is_activated": True}}})
