"""What every web handler shares: settings, sessions, the bot, the screen hub, the limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiogram import Bot
from aiohttp import web
from jinja2 import Environment
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from storage.types import Clock, utcnow
from web.hub import ScreenHub
from web.limits import RateLimits
from web.served import ServedClocks
from web.tokens import VerifiedSessions


@dataclass
class WebContext:
    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    bot: Bot | None
    hub: ScreenHub
    templates: Environment
    clock: Clock = utcnow
    by_address: RateLimits = field(default_factory=lambda: RateLimits(20.0))
    by_worker: RateLimits = field(default_factory=lambda: RateLimits(4.0))
    # Sign-in tries per address: 10, then one every 6 s (the 工号 lock is the real bound).
    by_login: RateLimits = field(default_factory=lambda: RateLimits(10 / 60, burst=10))
    bot_username: str | None = None
    sessions: VerifiedSessions = field(init=False)
    served: ServedClocks = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = VerifiedSessions(self.settings.web_key)
        self.served = ServedClocks(self.session_factory)

    @property
    def key(self) -> bytes:
        return self.settings.web_key

    def public_url(self, request: web.Request | None = None) -> str:
        """The base URL people open: WEB_PUBLIC_URL, else what this request came to."""
        if self.settings.web_public_url:
            return self.settings.web_public_url
        if request is not None:
            return f"{request.scheme}://{request.host}"
        return ""

    async def username(self) -> str | None:
        """The bot's @username for t.me links (asked once; None when Telegram is unreachable)."""
        if self.bot_username is None and self.bot is not None:
            try:
                self.bot_username = (await self.bot.me()).username
            except Exception:
                return None
        return self.bot_username


CONTEXT = web.AppKey("qualityquiz_web", WebContext)


def context_of(request: web.Request) -> WebContext:
    return request.app[CONTEXT]
