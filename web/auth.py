"""Who is asking: the Mini App's initData (validated as Telegram specifies), browser sessions
(a signed cookie or bearer token), the CSRF token of a session, the client's address."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from aiogram.utils.web_app import WebAppInitData, safe_parse_webapp_init_data
from aiohttp import web

from contest.signing import WebSession
from web.context import WebContext

SESSION_COOKIE = "qq_session"
CSRF_HEADER = "X-CSRF-Token"
CLOCK_SKEW = timedelta(minutes=5)
CLIENT_ADDRESS = web.RequestKey("client_address", str)


def miniapp_init_data(ctx: WebContext, init_data: str, *, now: datetime) -> WebAppInitData | None:
    """The Mini App's launch data if Telegram signed it for our bot and it is fresh.

    aiogram checks the signature exactly as Telegram documents it: the secret key is
    HMAC_SHA256("WebAppData", bot_token), the data-check string is the sorted ``key=value``
    lines without ``hash``. A stale ``auth_date`` (older than WEB_INITDATA_MAX_AGE) or one
    from the future is refused too, so a captured initData cannot be replayed for long.
    """
    token = ctx.settings.bot_token
    if token is None or not init_data or len(init_data) > 8192:
        return None
    try:
        data = safe_parse_webapp_init_data(token.get_secret_value(), init_data, loads=json.loads)
    except (ValueError, TypeError):
        return None
    signed_at = data.auth_date
    if signed_at.tzinfo is None:
        signed_at = signed_at.replace(tzinfo=UTC)
    age = now - signed_at
    if age > timedelta(seconds=ctx.settings.web_initdata_max_age) or age < -CLOCK_SKEW:
        return None
    if data.user is None:
        return None
    return data


def session_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip()
    # Our one cookie, found without parsing them all (aiohttp's full parse of every cookie
    # was a tenth of an answer's CPU); a quoted or unusual value takes the full parse.
    for part in request.headers.get("Cookie", "").split(";"):
        name, eq, value = part.strip().partition("=")
        if name == SESSION_COOKIE and eq and value and value[0] != '"':
            return value
    return request.cookies.get(SESSION_COOKIE)


def current_session(request: web.Request, ctx: WebContext) -> WebSession | None:
    token = session_token(request)
    if not token:
        return None
    return ctx.sessions.read(token, now=ctx.clock())


def csrf_ok(request: web.Request, ctx: WebContext, session: WebSession) -> bool:
    """The request carries the session's CSRF token (a page of ours put it there)."""
    return ctx.sessions.csrf_matches(session, request.headers.get(CSRF_HEADER, ""))


def foreign_origin(request: web.Request, ctx: WebContext) -> bool:
    """The request names another site as its origin.

    ``Origin: null`` (what a page with a strict referrer policy, a sandboxed frame or some
    in-app browsers send) and no Origin at all name no site: for those the token a page of
    ours put in the request is the proof (the CSRF header, the form's signed token).
    """
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return False
    allowed = {f"{request.scheme}://{request.host}"}
    if ctx.settings.web_public_url:
        allowed.add(ctx.settings.web_public_url.rstrip("/"))
    return origin not in allowed


def client_address(request: web.Request, ctx: WebContext) -> str:
    if ctx.settings.web_trust_forwarded:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.remote or "?"


def set_session_cookie(response: web.StreamResponse, request: web.Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=12 * 3600,
        httponly=True,
        secure=request.secure,
        samesite="Lax",
        path="/",
    )
