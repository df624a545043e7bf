"""钉钉 sign-in (免登) for an enterprise internal app (企业内部应用), by its OAuth2 redirect —
no JSAPI from a CDN (our pages allow scripts from ourselves only).

The browser goes to ``login.dingtalk.com/oauth2/auth`` (scope ``openid corpid``), comes
back with ``authCode``; ``/v1.0/oauth2/userAccessToken`` turns it into the member's token
(and the organisation they chose), ``/v1.0/contact/users/me`` gives their unionId. With the
app's own token, ``topapi/user/getbyunionid`` gives the userid in our organisation and
``topapi/v2/user/get`` their 工号 (job_number) and mobile. The account's id is the userid
(staffId): the same id the app's Stream bot sees as ``senderStaffId``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import aiohttp

from config import Settings
from web.oauth.base import AppToken, Member, SigninRefused, call_json, member, text_field

logger = logging.getLogger(__name__)

TOKEN_REFUSED = frozenset({40014, 42001})  # invalid / expired access_token
BUSY = frozenset({88, 90002, 90006, 90018, -1})  # DingTalk's throttles; system busy
NOT_MEMBER = frozenset({60121, 33012, 60011})  # no such user here / invalid userid / no right


class DingTalk:
    name = "dingtalk"

    def __init__(self, settings: Settings, http: aiohttp.ClientSession) -> None:
        assert settings.dingtalk_client_id and settings.dingtalk_client_secret
        self._client_id = settings.dingtalk_client_id
        self._secret = settings.dingtalk_client_secret
        self._corp_id = settings.dingtalk_corp_id
        self._api = settings.dingtalk_api_base
        self._oapi = settings.dingtalk_oapi_base
        self._login = settings.dingtalk_login_base
        self._http = http
        self.token = AppToken(self._fetch_token)

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.dingtalk_client_id and settings.dingtalk_client_secret)

    def authorize_url(self, *, redirect_uri: str, state: str) -> str:
        query = {
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "client_id": self._client_id,
            "scope": "openid corpid",
            "state": state,
            "prompt": "consent",
        }
        if self._corp_id:
            query["corpId"] = self._corp_id  # the organisation preselected
        return f"{self._login}/oauth2/auth?{urlencode(query)}"

    async def member(self, query: Mapping[str, str], *, redirect_uri: str) -> Member:
        code = query.get("authCode") or query.get("code") or ""
        if not code or len(code) > 512:
            raise SigninRefused("declined" if not code else "bad_code")
        user_token = await self._user_token(code)
        status, me = await call_json(
            self._http,
            "GET",
            f"{self._api}/v1.0/contact/users/me",
            headers={"x-acs-dingtalk-access-token": user_token},
        )
        _check_new(status, me, "contact/users/me")
        union_id = text_field(me, "unionId")
        if not union_id:
            raise SigninRefused("down", "users/me without unionId")
        found = await self._oapi_call("/topapi/user/getbyunionid", {"unionid": union_id})
        userid = text_field(_result(found), "userid")
        if not userid:
            raise SigninRefused("denied", "not a member of the organisation")
        user = _result(
            await self._oapi_call("/topapi/v2/user/get", {"userid": userid, "language": "zh_CN"})
        )
        mobile = text_field(user, "mobile") or text_field(me, "mobile")
        name = text_field(user, "name") or text_field(me, "nick")
        return member(userid, name=name, numbers=(text_field(user, "job_number"),), mobile=mobile)

    async def _user_token(self, code: str) -> str:
        body = {
            "clientId": self._client_id,
            "clientSecret": self._secret.get_secret_value(),
            "code": code,
            "grantType": "authorization_code",
        }
        url = f"{self._api}/v1.0/oauth2/userAccessToken"
        status, answer = await call_json(self._http, "POST", url, body=body)
        token = text_field(answer, "accessToken")
        if status == 200 and token:
            corp = text_field(answer, "corpId")
            if self._corp_id and corp and corp != self._corp_id:
                raise SigninRefused("denied", f"another organisation {corp}")
            return token
        _check_new(status, answer, "userAccessToken")
        if 400 <= status < 500:  # the authCode was refused: used, expired or not ours
            raise SigninRefused("bad_code", f"userAccessToken {status} {_code(answer)}")
        raise SigninRefused("down", f"userAccessToken {status}")

    async def _oapi_call(self, path: str, body: dict[str, str]) -> dict[str, Any]:
        """One topapi call with the app token; a refused token is renewed once."""
        for attempt in (1, 2):
            token = await self.token.get()
            _, answer = await call_json(
                self._http, "POST", f"{self._oapi}{path}", params={"access_token": token}, body=body
            )
            errcode = answer.get("errcode", 0)
            if errcode == 0:
                return answer
            if errcode in TOKEN_REFUSED and attempt == 1:
                self.token.expire(token)
                continue
            detail = f"{path} errcode {errcode} {text_field(answer, 'errmsg')[:80]}"
            if errcode in BUSY:
                raise SigninRefused("busy", detail)
            if errcode in NOT_MEMBER:
                raise SigninRefused("denied", detail)
            logger.warning("dingtalk refused: %s", detail)
            raise SigninRefused("down", detail)
        raise SigninRefused("down", f"{path}: token refused twice")

    async def _fetch_token(self) -> tuple[str, float]:
        body = {"appKey": self._client_id, "appSecret": self._secret.get_secret_value()}
        url = f"{self._api}/v1.0/oauth2/accessToken"
        status, answer = await call_json(self._http, "POST", url, body=body)
        token = text_field(answer, "accessToken")
        if status != 200 or not token:
            _check_new(status, answer, "accessToken")
            raise SigninRefused("down", f"accessToken {status} {_code(answer)}")
        expires = answer.get("expireIn")
        return token, float(expires) if isinstance(expires, int) and expires > 0 else 7200.0


def _code(answer: Mapping[str, Any]) -> str:
    return text_field(answer, "code")


def _check_new(status: int, answer: Mapping[str, Any], what: str) -> None:
    """The new API (api.dingtalk.com) answers errors as HTTP 4xx/5xx with a string code."""
    if status == 200:
        return
    code = _code(answer)
    if "QpsLimit" in code or "Throttling" in code:
        raise SigninRefused("busy", f"{what} {code}")
    if status >= 500:
        raise SigninRefused("down", f"{what} {status} {code}")
    if what != "userAccessToken":
        logger.warning("dingtalk refused %s: %s %s", what, status, code)
        raise SigninRefused("down", f"{what} {status} {code}")


def _result(answer: Mapping[str, Any]) -> Mapping[str, Any]:
    result = answer.get("result")
    return result if isinstance(result, dict) else {}
