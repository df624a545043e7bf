"""企业微信 web authorisation (网页授权登录) for a self-built app (自建应用).

The browser goes to ``open.weixin.qq.com/connect/oauth2/authorize`` (silent inside WeCom
with ``snsapi_base``), comes back with ``code``; ``cgi-bin/auth/getuserinfo`` turns the code
into the member's userid, ``cgi-bin/user/get`` reads their directory entry. WeCom has no
工号 field of its own: plants keep it in a custom attribute named 工号 (extattr), in the
alias (别名), or as the userid itself, and all three are tried in that order. Since June 2022
new apps no longer read the mobile from ``user/get``; with ``snsapi_privateinfo`` the worker
confirms once and ``cgi-bin/auth/getuserdetail`` returns it from the ``user_ticket``.
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

TOKEN_REFUSED = frozenset({40014, 41001, 42001})  # invalid, missing, expired access_token
BAD_CODE = frozenset({40029})  # invalid code: used, expired (5 min) or forged
BUSY = frozenset({-1, 45009, 45033})  # system busy, API rate, concurrent calls
DENIED = frozenset({60011, 60111, 60020, 46004})  # no privilege / user unknown / IP / missing
NUMBER_ATTRS = ("工号", "员工编号", "职工号", "employee no", "employee_no", "employee id")


class WeCom:
    name = "wecom"

    def __init__(self, settings: Settings, http: aiohttp.ClientSession) -> None:
        assert settings.wecom_corp_id and settings.wecom_secret and settings.wecom_agent_id
        self._corp_id = settings.wecom_corp_id
        self._agent_id = settings.wecom_agent_id
        self._secret = settings.wecom_secret
        self._api = settings.wecom_api_base
        self._oauth = settings.wecom_oauth_base
        self._scope = settings.wecom_oauth_scope
        self._http = http
        self.token = AppToken(self._fetch_token)

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.wecom_corp_id and settings.wecom_secret and settings.wecom_agent_id)

    def authorize_url(self, *, redirect_uri: str, state: str) -> str:
        query = urlencode(
            {
                "appid": self._corp_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": self._scope,
                "state": state,
                "agentid": self._agent_id,
            }
        )
        return f"{self._oauth}/connect/oauth2/authorize?{query}#wechat_redirect"

    async def member(self, query: Mapping[str, str], *, redirect_uri: str) -> Member:
        code = query.get("code", "")
        if not code or len(code) > 512:
            raise SigninRefused("declined" if not code else "bad_code")
        info = await self._call("GET", "/cgi-bin/auth/getuserinfo", params={"code": code})
        userid = text_field(info, "userid") or text_field(info, "UserId")
        if not userid:  # openid / external_userid: not a member of the enterprise
            raise SigninRefused("denied", "not a member")
        try:
            user = await self._call("GET", "/cgi-bin/user/get", params={"userid": userid})
        except SigninRefused as refused:
            if refused.kind != "denied":
                raise
            logger.warning("wecom user/get refused for a member (通讯录 permission?): %s", refused)
            user = {}
        mobile = text_field(user, "mobile")
        ticket = text_field(info, "user_ticket")
        if not mobile and ticket:
            mobile = await self._mobile(ticket)
        numbers = (*_custom_numbers(user), text_field(user, "alias"), userid)
        return member(userid, name=text_field(user, "name"), numbers=numbers, mobile=mobile)

    async def _mobile(self, ticket: str) -> str:
        try:
            detail = await self._call(
                "POST", "/cgi-bin/auth/getuserdetail", body={"user_ticket": ticket}
            )
        except SigninRefused as refused:
            if refused.kind != "denied":
                raise
            return ""
        return text_field(detail, "mobile")

    async def _fetch_token(self) -> tuple[str, float]:
        url = f"{self._api}/cgi-bin/gettoken"
        params = {"corpid": self._corp_id, "corpsecret": self._secret.get_secret_value()}
        _, data = await call_json(self._http, "GET", url, params=params)
        token = text_field(data, "access_token")
        if data.get("errcode", 0) != 0 or not token:
            _raise_for(data, "gettoken")
            raise SigninRefused("down", f"gettoken {data.get('errcode')}")
        expires = data.get("expires_in")
        return token, float(expires) if isinstance(expires, int) and expires > 0 else 7200.0

    async def _call(
        self, method: str, path: str, *, params: dict[str, str] | None = None, body: Any = None
    ) -> dict[str, Any]:
        """One API call with the app token; a refused token is renewed and tried once more."""
        for attempt in (1, 2):
            token = await self.token.get()
            query = {**(params or {}), "access_token": token}
            _, data = await call_json(
                self._http, method, f"{self._api}{path}", params=query, body=body
            )
            errcode = data.get("errcode", 0)
            if errcode == 0:
                return data
            if errcode in TOKEN_REFUSED and attempt == 1:
                self.token.expire(token)
                continue
            _raise_for(data, path)
        raise SigninRefused("down", f"{path}: token refused twice")


def _raise_for(data: Mapping[str, Any], what: str) -> None:
    errcode = data.get("errcode")
    detail = f"{what} errcode {errcode} {text_field(data, 'errmsg')[:80]}"
    if errcode in BAD_CODE:
        raise SigninRefused("bad_code", detail)
    if errcode in BUSY:
        raise SigninRefused("busy", detail)
    if errcode in DENIED:
        raise SigninRefused("denied", detail)
    logger.warning("wecom refused: %s", detail)
    raise SigninRefused("down", detail)


def _custom_numbers(user: Mapping[str, Any]) -> list[str]:
    """工号 kept in a custom attribute (extattr.attrs, text type) of the member."""
    extattr = user.get("extattr")
    attrs = extattr.get("attrs") if isinstance(extattr, dict) else None
    found: list[str] = []
    for attr in attrs if isinstance(attrs, list) else []:
        if not isinstance(attr, dict):
            continue
        if str(attr.get("name", "")).strip().lower() not in NUMBER_ATTRS:
            continue
        text = attr.get("text")
        value = text.get("value") if isinstance(text, dict) else attr.get("value")
        if isinstance(value, str) and value.strip():
            found.append(value.strip())
    return found
