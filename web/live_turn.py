"""The live final's requests as turns: a local wrapper that builds :class:`chat.turn.Turn`
for a web request (receipt time taken first, one session, one commit) and answers a refusal
with a 4xx JSON carrying a translated message. It has the shape of the web face's turn
wrapper (``(request, turn)`` handlers), so it can be swapped for that one when it lands.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from chat.turn import Turn, owned
from contest.admin.policy import Actor
from contest.errors import ContestError
from i18n import LANGUAGES, catalogue, t
from web.auth import foreign_origin
from web.context import WebContext, context_of

logger = logging.getLogger(__name__)

TurnHandler = Callable[[web.Request, Turn], Awaitable[web.StreamResponse]]
STATUS = {"denied": 403, "denied_competition": 403, "live_no_final": 404}
MAX_BODY = 4096
SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
}
RECEIVED_AT = web.RequestKey("live_received_at", datetime)


def lang_of(request: web.Request) -> str:
    lang = request.query.get("lang", "zh")
    return lang if lang in LANGUAGES else "zh"


def refusal(code: str, lang: str, status: int = 409, **params: Any) -> web.Response:
    """A 4xx JSON with the code and its message in ``lang``."""
    key = f"contest.error.{code}" if f"contest.error.{code}" in catalogue("zh") else ""
    key = key or (f"live.error.{code}" if f"live.error.{code}" in catalogue("zh") else "")
    try:
        message = t(key or "live.error.generic", lang, **params)
    except (KeyError, IndexError):
        message = t("live.error.generic", lang)
    return secure(web.json_response({"error": code, "message": message}, status=status))


def secure(response: web.Response) -> web.Response:
    for name, value in SECURITY.items():
        response.headers.setdefault(name, value)
    response.headers["Cache-Control"] = "no-store"
    return response


def received(request: web.Request) -> datetime:
    """When the request reached us: stamped once, before its body is read."""
    stamped = request.get(RECEIVED_AT)
    if stamped is None:
        stamped = context_of(request).clock()
        request[RECEIVED_AT] = stamped
    return stamped


def refused_post(request: web.Request, lang: str) -> web.Response | None:
    """A POST not from a page of ours (a foreign Origin, not JSON, too big): its refusal.
    JSON only: a cross-site form cannot send it without the browser asking us first."""
    if foreign_origin(request, context_of(request)):
        return refusal("forbidden", lang, 403)
    if request.content_type != "application/json" or (request.content_length or 0) > MAX_BODY:
        return refusal("bad_request", lang, 400)
    return None


async def body_of(request: web.Request, lang: str) -> dict[str, Any] | web.Response:
    """The JSON object a page of ours sent (same origin, JSON, small), else the refusal."""
    refused = refused_post(request, lang)
    if refused is not None:
        return refused
    try:
        data = json.loads(await request.content.read(MAX_BODY + 1) or b"{}")
    except (ValueError, UnicodeDecodeError):
        return refusal("bad_request", lang, 400)
    return data if isinstance(data, dict) else refusal("bad_request", lang, 400)


async def in_turn(
    request: web.Request, handler: TurnHandler, *, lang: str, actor: Actor | None = None
) -> web.StreamResponse:
    """Run ``handler(request, turn)`` in one turn; a refusal becomes its 4xx JSON."""
    ctx: WebContext = context_of(request)
    at = received(request)
    async with ctx.session_factory() as session:
        turn = Turn(
            session=session,
            received_at=at,
            lang=lang,
            tz=ctx.settings.timezone,
            via="web",
            actor=actor,
            wall=ctx.clock,
        )
        try:
            async with owned(session):
                return await handler(request, turn)
        except ContestError as error:
            return refusal(error.code, lang, STATUS.get(error.code, 409), **error.params)
