"""The big screen (大屏): /screen/<token> and its live stream /screen/<token>/events.

The page is rendered with the current board, then kept live by server-sent events from the
hub; it reconnects by itself after a network drop or a restart of the bot (the browser's
EventSource retries, and our script starts a new one if the browser gives up). Nothing on it
is more than an organiser would put on a wall: names, team paths, scores, turnout.
"""

from __future__ import annotations

from aiohttp import web

from contest.big_screen import ScreenToken, resolve_screen
from contest.offers import quiz_link_payload
from contest.web_access import roster_login_enabled
from i18n import t
from web.context import WebContext, context_of
from web.pages import message_page, render
from web.qr import qr_svg
from web.sse import stream_events


async def _screen(ctx: WebContext, token: str) -> ScreenToken | None:
    async with ctx.session_factory() as session:
        return await resolve_screen(session, token=token)


async def join_url(ctx: WebContext, request: web.Request, competition_id: int) -> str | None:
    """Where the QR code on the wall leads: the browser login when the organiser allows it,
    else the bot in Telegram, on this competition."""
    async with ctx.session_factory() as session:
        roster = await roster_login_enabled(session, competition_id=competition_id)
    if roster:
        return f"{ctx.public_url(request)}/join/{competition_id}"
    username = await ctx.username()
    # ?start=quiz-<id>: the private chat opens on this competition
    return (
        f"https://t.me/{username}?start={quiz_link_payload(competition_id)}" if username else None
    )


async def screen_page(request: web.Request) -> web.Response:
    ctx = context_of(request)
    screen = await _screen(ctx, request.match_info["token"])
    if screen is None:
        return message_page(
            ctx.templates,
            "zh",
            title=t("web.screen.gone_title", "zh"),
            text=t("web.screen.gone", "zh"),
            status=404,
        )
    board = await ctx.hub.snapshot(screen.competition_id)
    join = await join_url(ctx, request, screen.competition_id)
    return render(
        ctx.templates,
        "screen.html",
        lang=screen.language,
        board=board,
        events_url=f"/screen/{screen.token}/events",
        qr=qr_svg(join) if join else None,
        via_telegram=bool(join and join.startswith("https://t.me/")),
    )


async def screen_events(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    screen = await _screen(ctx, request.match_info["token"])
    if screen is None:
        raise web.HTTPNotFound()
    subscription = ctx.hub.subscribe(screen.competition_id, token=screen.token)
    return await stream_events(request, subscription)


def add_screen_routes(app: web.Application) -> None:
    app.router.add_get("/screen/{token}", screen_page)
    app.router.add_get("/screen/{token}/events", screen_events)
