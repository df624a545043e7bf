"""The live final's pages: the host console, the stage (the hall's big screen), a buzzer and
the hall's 观众题 page, each kept live by server-sent events from :class:`LiveHub`; and the
routes of the whole live face (``add_live_routes``).

A page is rendered with the current view, its words and its stream's address; the page's
script redraws from each event and reconnects by itself after a drop or a restart.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from aiohttp import web

from contest.live.links import LiveLink, live_token
from contest.live.view import stage_view
from i18n import catalogue
from web.context import WebContext, context_of
from web.live_api import (
    LIVE_HUB,
    VOTER_COOKIE,
    buzz_press,
    hall_answer,
    host_act,
    link_of,
    new_voter,
)
from web.live_hub import LiveHub
from web.live_turn import lang_of, refusal, secure
from web.pages import render
from web.qr import qr_svg
from web.sse import stream_events

HALL_TTL = timedelta(hours=12)
ROLES = ("host", "stage", "buzz", "hall")


def _words(lang: str) -> dict[str, str]:
    prefix = "live.ui."
    return {k[len(prefix) :]: v for k, v in catalogue(lang).items() if k.startswith(prefix)}


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


async def _view(ctx: WebContext, final_id: int, *, host: bool) -> dict[str, Any]:
    async with ctx.session_factory() as session:
        return await stage_view(session, final_id=final_id, now=ctx.clock(), for_host=host)


async def page(request: web.Request) -> web.StreamResponse:
    role = request.match_info["role"]
    lang = lang_of(request)
    link = link_of(request, role) if role in ROLES else None
    ctx = context_of(request)
    if link is None:
        return render(
            ctx.templates,
            "message.html",
            status=404,
            lang=lang,
            title=ctx_title(lang),
            text=_words(lang)["link_gone"],
        )
    view = await _view(ctx, link.final_id, host=role == "host")
    token = request.match_info["token"]
    extra: dict[str, Any] = {}
    if role == "stage":
        hall = live_token(
            ctx.key, LiveLink("hall", link.final_id), expires_at=ctx.clock() + HALL_TTL
        )
        extra["qr"] = qr_svg(f"{ctx.public_url(request)}/live/hall/{hall}?lang={lang}")
    if role == "buzz":
        extra["team_id"] = link.team_id
    response = render(
        ctx.templates,
        f"live_{role}.html",
        lang=lang,
        view=view,
        view_json=_json(view),
        words_json=_json(_words(lang)),
        events_url=f"/live/{role}/{token}/events",
        post_url=f"/live/{role}/{token}",
        token=token,
        **extra,
    )
    if role == "hall" and not request.cookies.get(VOTER_COOKIE):
        response.set_cookie(
            VOTER_COOKIE,
            new_voter(),
            max_age=86400,
            httponly=True,
            samesite="Strict",
            secure=request.secure,
        )
    return secure(response)


def ctx_title(lang: str) -> str:
    return _words(lang)["brand"]


async def events(request: web.Request) -> web.StreamResponse:
    role = request.match_info["role"]
    link = link_of(request, role) if role in ROLES else None
    if link is None:
        return refusal("link_expired", lang_of(request), 401)
    hub: LiveHub = request.app[LIVE_HUB]
    return await stream_events(request, hub.subscribe(link.final_id, host=role == "host"))


def add_live_routes(app: web.Application, ctx: WebContext) -> LiveHub:
    """Mount the live final's pages and actions; its hub closes with the app."""
    hub = LiveHub(ctx.session_factory, clock=ctx.clock)
    app[LIVE_HUB] = hub
    app.router.add_get("/live/{role}/{token}", page)
    app.router.add_get("/live/{role}/{token}/events", events)
    app.router.add_post("/live/host/{token}/{verb}", host_act)
    app.router.add_post("/live/buzz/{token}", buzz_press)
    app.router.add_post("/live/hall/{token}/answer", hall_answer)
    app.on_shutdown.append(hub.close)
    return hub
