"""飞书 web-app sign-in (网页应用免登) for a custom app (企业自建应用).

The browser goes to ``accounts.feishu.cn/open-apis/authen/v1/authorize`` (no confirmation
inside the Feishu client), comes back with ``code`` (five minutes, once);
``authen/v2/oauth/token`` turns it into the member's user_access_token and
``authen/v1/user_info`` says who they are (open_id). Their 工号 (employee_no) and mobile are
read from the directory with the app's tenant_access_token (``contact/v3/users/:open_id``),
so they follow the 通讯录 permissions the admin granted rather than the member's consent.
The account's id is the open_id: the same id the app's bot sees in messages.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp

from config import Settings
from web.oauth.base import AppToken, Member, SigninRefused, call_json, member, text_field

logger = logging.getLogger(__name__)

# authen/v2/oauth/token: the code is unknown, expired, already used, or not this app's.
BAD_CODE = frozenset({20003, 20004, 20024, 20065})
DENIED = frozenset({20010, 20027})  # the member may not use the app / lacks a granted scope
TOKEN_REFUSED = frozenset({99991661, 99991663, 99991668, 99991677})  # tenant token
BUSY = frozenset({99991400, 20050})  # frequency limit; the authorisation server is busy
NO_DIRECTORY = frozenset({41050, 40004})  # outside the app's 通讯录 range: use user_info


class Feishu:
    name = "feishu"

    def __init__(self, settings: Settings, http: aiohttp.ClientSession) -> None:
        assert settings.feishu_app_id and settings.feishu_app_secret
        self._app_id = settings.feishu_app_id
        self._secret = settings.feishu_app_secret
        self._api = settings.feishu_api_base
        self._accounts = settings.feishu_accounts_base
        self._http = http
        self.token = AppToken(self._fetch_token)

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.feishu_app_id and settings.feishu_app_secret)

    def authorize_url(self, *, redirect_uri: str, state: str) -> str:
        query = urlencode(
            {
                "client_id": self._app_id,
                "response_type": "code",
                "redirect_uri": redirect_uri,
                "state": state,
            }
        )
        return f"{self._accounts}/open-apis/authen/v1/authorize?{query}"

    async def member(self, query: Mapping[str, str], *, redirect_uri: str) -> Member:
        code = query.get("code", "")
        if not code or len(code) > 512:
            raise SigninRefused("declined" if not code else "bad_code")
        user_token = await self._user_token(code, redirect_uri)
        _, answer = await call_json(
            self._http,
            "GET",
            f"{self._api}/open-apis/authen/v1/user_info",
            headers={"Authorization": f"Bearer {user_token}"},
        )
        _check(answer, "user_info")
        info = answer.get("data")
        info = info if isinstance(info, dict) else {}
        open_id = text_field(info, "open_id")
        if not open_id:
            raise SigninRefused("down", "user_info without open_id")
        user = await self._directory(open_id)
        numbers = (text_field(user, "employee_no"), text_field(info, "employee_no"))
        mobile = text_field(user, "mobile") or text_field(info, "mobile")
        name = text_field(user, "name") or text_field(info, "name")
        return member(open_id, name=name, numbers=numbers, mobile=mobile)

    async def _user_token(self, code: str, redirect_uri: str) -> str:
        body = {
            "grant_type": "authorization_code",
            "client_id": self._app_id,
            "client_secret": self._secret.get_secret_value(),
            "code": code,
            "redirect_uri": redirect_uri,
        }
        url = f"{self._api}/open-apis/authen/v2/oauth/token"
        _, answer = await call_json(self._http, "POST", url, body=body)
        if answer.get("error") == "invalid_grant" and answer.get("code") not in DENIED:
            raise SigninRefused("bad_code", f"oauth/token {answer.get('code')}")
        _check(answer, "oauth/token")
        token = text_field(answer, "access_token")
        if not token:
            raise SigninRefused("down", "oauth/token without access_token")
        return token

    async def _directory(self, open_id: str) -> dict[str, Any]:
        """The member's directory entry (工号, mobile), {} outside the app's 通讯录 range."""
        url = f"{self._api}/open-apis/contact/v3/users/{quote(open_id, safe='')}"
        for attempt in (1, 2):
            token = await self.token.get()
            _, answer = await call_json(
                self._http,
                "GET",
                url,
                params={"user_id_type": "open_id"},
                headers={"Authorization": f"Bearer {token}"},
            )
            code = answer.get("code")
            if code in TOKEN_REFUSED and attempt == 1:
                self.token.expire(token)
                continue
            if code in NO_DIRECTORY:
                logger.warning("feishu contact/v3/users refused (通讯录 range?): %s", code)
                return {}
            _check(answer, "contact/v3/users")
            data = answer.get("data")
            user = data.get("user") if isinstance(data, dict) else None
            return user if isinstance(user, dict) else {}
        raise SigninRefused("down", "tenant token refused twice")

    async def _fetch_token(self) -> tuple[str, float]:
        url = f"{self._api}/open-apis/auth/v3/tenant_access_token/internal"
        body = {"app_id": self._app_id, "app_secret": self._secret.get_secret_value()}
        _, answer = await call_json(self._http, "POST", url, body=body)
        _check(answer, "tenant_access_token")
        token = text_field(answer, "tenant_access_token")
        if not token:
            raise SigninRefused("down", "no tenant_access_token")
        expire = answer.get("expire")
        return token, float(expire) if isinstance(expire, int) and expire > 0 else 7200.0


def _check(answer: Mapping[str, Any], what: str) -> None:
    code = answer.get("code", 0)
    if code == 0:
        return
    detail = f"{what} code {code} {text_field(answer, 'msg') or text_field(answer, 'error')}"
    if code in BAD_CODE:
        raise SigninRefused("bad_code", detail)
    if code in DENIED:
        raise SigninRefused("denied", detail)
    if code in BUSY:
        raise SigninRefused("busy", detail)
    logger.warning("feishu refused: %s", detail[:200])
    raise SigninRefused("down", detail)
