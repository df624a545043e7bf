"""A fake 钉钉 at its HTTP boundary for the OAuth2 sign-in of an internal app: the login
page (login.dingtalk.com/oauth2/auth → ``authCode``), the new API's tokens and
``contact/users/me`` (errors as HTTP 4xx with a string ``code``, 403
``Forbidden.AccessDenied.QpsLimitForApi`` when throttled), and the topapi calls with the
app token (``errcode``: 40014 invalid / 42001 expired token, 90018 too frequent, 60121 no
such user in the organisation)."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from tests.fakes.signin_platform import FakePlatform


def refused(status: int, code: str, message: str) -> web.Response:
    body = {"requestid": secrets.token_hex(8), "code": code, "message": message}
    return web.json_response(body, status=status)


def topapi(errcode: int = 0, errmsg: str = "ok", **fields: Any) -> web.Response:
    return web.json_response(
        {"errcode": errcode, "errmsg": errmsg, **fields, "request_id": secrets.token_hex(6)}
    )


class FakeDingTalk(FakePlatform):
    def __init__(
        self,
        *,
        client_id: str = "dingxxxxxxxx",
        secret: str = "dingtalk-secret",
        corp_id: str = "ding0corp",
    ) -> None:
        super().__init__()
        self.client_id, self.secret, self.corp_id = client_id, secret, corp_id
        self.user_tokens: dict[str, str] = {}  # user token → userid
        self.other_org: set[str] = set()  # members who chose another organisation at login

    def member(self, userid: str, *, name: str, job_number: str = "", mobile: str = "") -> None:
        self.members[userid] = {
            "userid": userid,
            "unionid": "union" + userid,
            "name": name,
            "job_number": job_number,
            "mobile": mobile,
            "state_code": "86",
        }

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/oauth2/auth", self.authorize)
        app.router.add_post("/v1.0/oauth2/userAccessToken", self.user_access_token)
        app.router.add_get("/v1.0/contact/users/me", self.users_me)
        app.router.add_post("/v1.0/oauth2/accessToken", self.app_token)
        app.router.add_post("/topapi/user/getbyunionid", self.getbyunionid)
        app.router.add_post("/topapi/v2/user/get", self.user_get)

    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return web.Response(status=400, text="无效的 client_id")
        if "openid" not in q.get("scope", "").split():
            return web.Response(status=400, text="scope 无效")
        if not self.redirect_allowed(q.get("redirect_uri", "")):
            return web.Response(status=400, text="redirect_uri 与应用配置的回调域名不一致")
        userid = self.browser_user(request)
        if userid is None:
            return self.outside_the_app()
        code = self.issue_code(userid)
        return self.back_to(q["redirect_uri"], authCode=code, state=q.get("state", ""))

    async def user_access_token(self, request: web.Request) -> web.Response:
        if self.throttled:
            return refused(403, "Forbidden.AccessDenied.QpsLimitForApi", "请求过于频繁")
        body = await request.json()
        if body.get("clientId") != self.client_id or body.get("clientSecret") != self.secret:
            return refused(400, "invalidClientId", "clientId或clientSecret无效")
        issued = self.take_code(str(body.get("code", "")))
        if issued is None or body.get("grantType") != "authorization_code":
            return refused(400, "invalidAuthCode", "authCode无效或已过期")
        token = secrets.token_hex(12)
        self.user_tokens[token] = issued.member
        corp = "ding0other" if issued.member in self.other_org else self.corp_id
        return web.json_response(
            {
                "accessToken": token,
                "refreshToken": secrets.token_hex(8),
                "expireIn": 7200,
                "corpId": corp,
            }
        )

    async def users_me(self, request: web.Request) -> web.Response:
        userid = self.user_tokens.get(request.headers.get("x-acs-dingtalk-access-token", ""))
        if userid is None:
            return refused(401, "InvalidAuthentication", "不合法的access_token")
        user = self.members[userid]
        return web.json_response(
            {
                "nick": user["name"],
                "unionId": user["unionid"],
                "openId": "open" + userid,
                "stateCode": "86",
                "avatarUrl": "",
            }
        )

    async def app_token(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("appKey") != self.client_id or body.get("appSecret") != self.secret:
            return refused(400, "invalidClientIdOrSecret", "无效的clientId或clientSecret")
        return web.json_response({"accessToken": self.new_token(), "expireIn": 7200})

    def _token_error(self, request: web.Request) -> web.Response | None:
        if self.throttled:
            return topapi(90018, "当前请求过于频繁")
        state = self.token_state(request.query.get("access_token", ""))
        if state == "expired":
            return topapi(42001, "access_token已过期")
        if state == "invalid":
            return topapi(40014, "不合法的access_token")
        return None

    async def getbyunionid(self, request: web.Request) -> web.Response:
        if (error := self._token_error(request)) is not None:
            return error
        unionid = (await request.json()).get("unionid")
        for userid, user in self.members.items():
            if user["unionid"] == unionid and userid not in self.other_org:
                return topapi(result={"contact_type": 0, "userid": userid})
        return topapi(60121, "找不到该用户")

    async def user_get(self, request: web.Request) -> web.Response:
        if (error := self._token_error(request)) is not None:
            return error
        user = self.members.get((await request.json()).get("userid", ""))
        if user is None:
            return topapi(60121, "找不到该用户")
        return topapi(result={**user, "active": True, "dept_id_list": [1]})
