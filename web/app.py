"""Mounting the web face: routes, static files, and the middlewares that guard them —
receipt time, security headers, per-address and per-worker rates, CSRF on every POST."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from contest.signing import WebSession
from i18n import t
from storage.types import Clock, utcnow
from web.auth import CLIENT_ADDRESS, client_address, csrf_ok, current_session, foreign_origin
from web.context import CONTEXT, WebContext
from web.errors import api_error, error_response, request_lang
from web.hub import ScreenHub
from web.limits import RateLimits
from web.live_pages import add_live_routes
from web.login import add_login_routes
from web.oauth import add_signin_routes
from web.pages import STATIC_DIR, environment
from web.pictures import add_picture_route
from web.quiz import add_quiz_api
from web.screen import add_screen_routes
from web.turn import RECEIVED, WEB_SESSION
from web.worker_pages import add_worker_routes

logger = logging.getLogger(__name__)

PREFIXES = ("/screen/", "/quiz", "/app", "/api/", "/h5/", "/join/", "/static/", "/robot/")
# Pages the Telegram clients may show in their Mini App frame (web.telegram.org embeds it).
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org"
)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def ours(path: str) -> bool:
    return path.startswith(PREFIXES)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Receipt time, rates, CSRF, security headers — and the error contract: whatever goes
    wrong below, the answer is a translated 4xx (or 503), never a traceback page."""
    if not ours(request.path):
        return await handler(request)
    ctx: WebContext = request.app[CONTEXT]
    try:
        response = await _guarded(request, handler, ctx)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise  # a redirect
        response = error_response(request, ctx.templates, exc.status)
        if exc.status == 429 and "Retry-After" in exc.headers:
            response.headers["Retry-After"] = exc.headers["Retry-After"]
    except Exception:
        logger.exception("web request %s %s failed", request.method, request.path)
        response = error_response(request, ctx.templates, 500)
    _secure_headers(response)
    return response


async def _guarded(request: web.Request, handler: Handler, ctx: WebContext) -> web.StreamResponse:
    request[RECEIVED] = ctx.clock()
    address = client_address(request, ctx)
    request[CLIENT_ADDRESS] = address
    if not request.path.startswith("/static/") and not await ctx.by_address.allow(address):
        return _too_many(ctx.by_address, request_lang(request))
    if request.path.startswith("/api/"):
        signed = current_session(request, ctx)
        if signed is not None:
            request[WEB_SESSION] = signed
        if request.method == "POST":
            refused = await _check_api_post(request, ctx, signed)
            if refused is not None:
                return refused
    return await handler(request)


async def _check_api_post(
    request: web.Request, ctx: WebContext, signed: WebSession | None
) -> web.Response | None:
    """A POST to the API must come from a signed-in page of ours, within the worker's rate."""
    lang = request_lang(request)
    if signed is None:
        return api_error("not_signed_in", lang, 401)
    if not csrf_ok(request, ctx, signed) or foreign_origin(request, ctx):
        return api_error("forbidden", lang, 403)
    if not await ctx.by_worker.allow(f"w{signed.worker_id}"):
        return _too_many(ctx.by_worker, lang)
    return None


def _too_many(limits: RateLimits, lang: str = "zh") -> web.Response:
    return web.json_response(
        {"error": "busy", "message": t("web.quiz.busy", lang)},
        status=429,
        headers={"Retry-After": str(limits.retry_after)},
    )


def _secure_headers(response: web.StreamResponse) -> None:
    if response.prepared:  # a stream (SSE) sent its headers already
        return
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # Our own requests carry their origin; other sites learn nothing (a link's token).
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CSP)


def add_web_routes(
    app: web.Application,
    *,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    bot: Bot | None,
    clock: Clock = utcnow,
    hub: ScreenHub | None = None,
) -> WebContext:
    """Mount the web face on ``app`` (before it starts); the context it serves with."""
    ctx = WebContext(
        settings=settings,
        session_factory=session_factory,
        bot=bot,
        hub=hub or ScreenHub(session_factory, clock=clock),
        templates=environment(),
        clock=clock,
        by_address=RateLimits(settings.web_rate_per_address),
        by_worker=RateLimits(settings.web_rate_per_worker),
    )
    app[CONTEXT] = ctx
    app.middlewares.append(guard)
    add_screen_routes(app)
    add_quiz_api(app)
    add_login_routes(app)
    add_signin_routes(app, settings)
    add_picture_route(app)
    add_live_routes(app, ctx)
    add_worker_routes(app)
    app.router.add_static("/static/", STATIC_DIR, append_version=False)
    app.on_shutdown.append(ctx.hub.close)
    app.on_shutdown.append(ctx.served.close)
    return ctx
