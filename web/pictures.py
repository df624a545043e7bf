"""Announcement pictures for robots whose webhooks cannot upload one (DingTalk's markdown
shows an image by address): /robot/picture/<signed id>.png serves the picture stored in its
outbox row. The address is signed, so outbox ids cannot be walked."""

from __future__ import annotations

from aiohttp import web

from contest.outbox import OutboxMessage
from contest.signing import read_picture
from web.context import context_of


async def picture(request: web.Request) -> web.Response:
    ctx = context_of(request)
    outbox_id = read_picture(ctx.key, request.match_info["token"])
    if outbox_id is None:
        raise web.HTTPNotFound()
    async with ctx.session_factory() as session:
        row = await session.get(OutboxMessage, outbox_id)
        payload = row.payload if row is not None and row.kind == "photo" else None
    if not payload:
        raise web.HTTPNotFound()
    return web.Response(
        body=payload,
        content_type="image/png",
        headers={"Cache-Control": "public, max-age=604800, immutable"},
    )


def add_picture_route(app: web.Application) -> None:
    app.router.add_get("/robot/picture/{token}.png", picture)
