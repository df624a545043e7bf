"""What the fakes of the messengers' sign-in share: a real aiohttp server on a free local
port, the one member the "in-app browser" is signed in as, authorisation codes that are
single-use and live five minutes (as all three platforms document), app tokens that can be
expired from the test, and switches for a platform that throttles or is down."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web

CODE_TTL = 300.0  # seconds, all three platforms
USER_COOKIE = "fake_messenger_user"


@dataclass
class IssuedCode:
    member: str
    issued_at: float
    extra: dict[str, Any] = field(default_factory=dict)


class FakePlatform:
    """Subclasses add the platform's routes in ``routes`` and answer in its JSON."""

    def __init__(self, *, trusted_host: str = "127.0.0.1") -> None:
        self.members: dict[str, dict[str, Any]] = {}
        self.signed_in: str | None = None  # who the messenger's in-app browser belongs to
        self.trusted_host = trusted_host  # 可信域名 / 重定向 URL registered in the console
        self.now = 0.0  # the fake's own clock for code and token lifetimes, in seconds
        self.codes: dict[str, IssuedCode] = {}
        self.tokens: dict[str, float] = {}  # app token → expiry (fake seconds)
        self.token_fetches = 0
        self.throttled = False
        self.calls: list[str] = []
        self.port = 0
        self._runner: web.AppRunner | None = None

    # --- life cycle --------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        app = web.Application()

        @web.middleware
        async def record(request: web.Request, handler: Any) -> web.StreamResponse:
            self.calls.append(request.path)
            return await handler(request)

        app.middlewares.append(record)
        self.routes(app)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        if not self.port:
            self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- what the platforms share ------------------------------------------------------

    def browser_user(self, request: web.Request) -> str | None:
        """Who the in-app browser belongs to: its own cookie (tests with many browsers set
        one each), else the one member the test signed in."""
        return request.cookies.get(USER_COOKIE) or self.signed_in

    def issue_code(self, member: str, **extra: Any) -> str:
        code = secrets.token_hex(16)
        self.codes[code] = IssuedCode(member, self.now, extra)
        return code

    def take_code(self, code: str) -> IssuedCode | None:
        """The code's grant, once; None when unknown, used or older than five minutes."""
        issued = self.codes.pop(code, None)
        if issued is None or self.now - issued.issued_at > CODE_TTL:
            return None
        return issued

    def new_token(self, lifetime: float = 7200.0) -> str:
        self.token_fetches += 1
        token = secrets.token_hex(12)
        self.tokens[token] = self.now + lifetime
        return token

    def token_state(self, token: str) -> str:
        """``ok``, ``expired`` or ``invalid``."""
        if token not in self.tokens:
            return "invalid"
        return "ok" if self.now < self.tokens[token] else "expired"

    def expire_tokens(self) -> None:
        self.tokens = dict.fromkeys(self.tokens, self.now - 1)

    def redirect_allowed(self, redirect_uri: str) -> bool:
        return urlsplit(redirect_uri).hostname == self.trusted_host

    def back_to(self, redirect_uri: str, **params: str) -> web.Response:
        joiner = "&" if "?" in redirect_uri else "?"
        location = f"{redirect_uri}{joiner}{urlencode(params)}"
        return web.Response(status=302, headers={"Location": location})

    def outside_the_app(self) -> web.Response:
        return web.Response(status=200, text="请在客户端中打开此链接", content_type="text/html")
