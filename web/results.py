"""The result at the close, in a browser: the same place, team place, 错题回顾 and pictures
the close sends to a chat (:mod:`contest.closed` reads them as :mod:`scheduler.results`
does; the certificate and the participation card are the PNGs the scheduler draws).

``/api/results/<competition>`` answers the signed-in worker with their own result only.
The pictures are served from ``/api/card/<token>.png``: the token is signed for one worker,
one competition, one kind and one language, so an address cannot be walked to another
worker's card, and an in-app browser may save it without the session cookie.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import asdict
from typing import Any

from aiohttp import web

from chat.turn import Turn
from contest.closed import MyResult, my_result
from contest.errors import ContestError
from contest.signing import sign, verify
from scheduler.certificate import certificate_png, participation_png
from scheduler.results import card_data
from web.context import WebContext, context_of
from web.turn import require_scope, with_turn

KINDS = ("certificate", "card")
MAX_ID = 2**31 - 1
CACHED_PICTURES = 32  # drawing takes a moment; a worker opens and saves the same one


def card_token(key: bytes, *, worker_id: int, competition_id: int, kind: str, lang: str) -> str:
    return sign(key, "card", str(worker_id), str(competition_id), kind, lang)


def read_card_token(key: bytes, token: str) -> tuple[int, int, str, str] | None:
    fields = verify(key, "card", token, count=4)
    if fields is None or not fields[0].isdigit() or not fields[1].isdigit():
        return None
    if fields[2] not in KINDS or fields[3] not in ("zh", "en"):
        return None
    worker_id, competition_id = int(fields[0]), int(fields[1])
    if worker_id > MAX_ID or competition_id > MAX_ID:
        return None
    return worker_id, competition_id, fields[2], fields[3]


def picture_url(
    ctx: WebContext, *, worker_id: int, competition_id: int, kind: str, lang: str
) -> str:
    token = card_token(
        ctx.key, worker_id=worker_id, competition_id=competition_id, kind=kind, lang=lang
    )
    return f"/api/card/{token}.png"


def competition_id_of(request: web.Request) -> int:
    raw = request.match_info["competition_id"]
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_ID:
        raise web.HTTPNotFound()
    return int(raw)


def _review(mine: MyResult) -> list[dict[str, Any]]:
    return [{**asdict(item), "qtype": item.qtype.value} for item in mine.result.review]


def result_json(ctx: WebContext, mine: MyResult, *, worker_id: int, lang: str) -> dict[str, Any]:
    result, final = mine.result, mine.final
    competition_id = final.competition_id
    pictures = {
        kind: picture_url(
            ctx, worker_id=worker_id, competition_id=competition_id, kind=kind, lang=lang
        )
        for kind, allowed in (("certificate", mine.certificate), ("card", mine.card))
        if allowed
    }
    team = None
    if result.team_label:
        team = {
            "label": result.team_label,
            "rank": result.team_rank,
            "tied": result.team_tied,
            "total": result.team_total,
        }
    return {
        "competition_id": competition_id,
        "name": final.name,
        "rank": result.rank,
        "tied": result.tied,
        "participants": result.participants,
        "score": final.style.number(result.score),
        "correct_count": result.correct_count,
        "question_count": result.question_count,
        "time_used_ms": result.time_used_ms,
        "team": team,
        "review_allowed": final.review_allowed,
        "review": _review(mine) if final.review_allowed else [],
        "certificate": pictures.get("certificate"),
        "card": pictures.get("card"),
    }


@with_turn
async def api_results(request: web.Request, turn: Turn) -> web.Response:
    """The signed-in worker's own final result in one competition."""
    competition_id = competition_id_of(request)
    require_scope(request, competition_id)
    mine = await my_result(
        turn.session, competition_id=competition_id, worker_id=turn.my_id, clock=turn.clock
    )
    body = result_json(context_of(request), mine, worker_id=turn.my_id, lang=turn.lang)
    return web.json_response(body)


class PictureCache:
    """The last few drawn pictures by token (a worker opens, then long-presses to save)."""

    def __init__(self, size: int = CACHED_PICTURES) -> None:
        self.size = size
        self.items: OrderedDict[str, bytes] = OrderedDict()

    def get(self, token: str) -> bytes | None:
        png = self.items.get(token)
        if png is not None:
            self.items.move_to_end(token)
        return png

    def put(self, token: str, png: bytes) -> None:
        self.items[token] = png
        while len(self.items) > self.size:
            self.items.popitem(last=False)


PICTURES = web.AppKey("qualityquiz_pictures", PictureCache)


async def card_picture(request: web.Request) -> web.Response:
    """A certificate or participation card as the chat receives it, drawn on first ask."""
    ctx = context_of(request)
    token = request.match_info["token"]
    fields = read_card_token(ctx.key, token)
    if fields is None:
        raise web.HTTPNotFound()
    cache = request.app[PICTURES]
    png = cache.get(token)
    if png is None:
        worker_id, competition_id, kind, lang = fields
        async with ctx.session_factory() as session:
            try:
                mine = await my_result(
                    session, competition_id=competition_id, worker_id=worker_id, clock=ctx.clock
                )
            except ContestError:
                raise web.HTTPNotFound() from None
            data = card_data(mine.competition, mine.final, mine.result, lang)
        if not (mine.certificate if kind == "certificate" else mine.card):
            raise web.HTTPNotFound()
        png = await (certificate_png(data) if kind == "certificate" else participation_png(data))
        cache.put(token, png)
    return web.Response(
        body=png,
        content_type="image/png",
        headers={
            "Cache-Control": "private, max-age=86400",
            "Content-Disposition": f'inline; filename="{fields[2]}.png"',
        },
    )


def add_result_routes(app: web.Application) -> None:
    app[PICTURES] = PictureCache()
    app.router.add_get("/api/results/{competition_id}", api_results)
    app.router.add_get("/api/card/{token}.png", card_picture)
