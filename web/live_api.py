"""The live final's actions over HTTP: the host's taps, a buzzer's press, a phone's answer to
a 观众题. Each is one turn (:mod:`web.live_turn`); after its commit the stage is poked, so
the hall's screen shows a press within a few milliseconds of its commit."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Any

from aiohttp import web

from chat.turn import Turn
from contest.admin.policy import Actor
from contest.live import flow
from contest.live.buzz import audience_answer, buzz
from contest.live.links import LiveLink, read_live
from contest.live.view import stage_view
from web.context import context_of
from web.live_hub import LiveHub
from web.live_turn import body_of, in_turn, lang_of, received, refusal, refused_post, secure

LIVE_HUB = web.AppKey("qualityquiz_live_hub", LiveHub)
VOTER_COOKIE = "qq_voter"


def link_of(request: web.Request, role: str) -> LiveLink | None:
    ctx = context_of(request)
    return read_live(ctx.key, role, request.match_info["token"], now=ctx.clock())


def _int(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(name)
    return value


def _actor(turn: Turn) -> Actor:
    assert turn.actor is not None
    return turn.actor


VERBS = {*flow.STEPS, "right", "wrong", "pick", "adjust"}


async def _run(verb: str, turn: Turn, final_id: int, data: dict[str, Any]) -> None:
    """The core call behind a console button (``ValueError`` for a malformed body)."""
    session = turn.session
    common: dict[str, Any] = {"actor": _actor(turn), "final_id": final_id, "clock": turn.clock}
    version = data.get("version")
    # The stage's version the console showed: a double tap's second request is refused.
    expect = version if isinstance(version, int) and not isinstance(version, bool) else None
    if verb != "adjust":
        common["expect"] = expect
    if verb in flow.STEPS:
        await flow.STEPS[verb](session, **common)
    elif verb in ("right", "wrong"):
        await flow.rule(session, right=verb == "right", **common)
    elif verb == "pick":
        await flow.pick_value(session, value=_int(data, "value"), **common)
    else:
        team_id, delta = _int(data, "team_id"), _int(data, "delta")
        reason = str(data.get("reason", ""))[:400]
        await flow.adjust(session, team_id=team_id, delta=delta, reason=reason, **common)


async def host_act(request: web.Request) -> web.StreamResponse:
    """POST /live/host/{token}/{verb}: one tap of the console; answers with the new view."""
    lang = lang_of(request)
    received(request)
    link = link_of(request, "host")
    if link is None:
        return refusal("link_expired", lang, 401)
    verb = request.match_info["verb"]
    if verb not in VERBS:
        return refusal("bad_request", lang, 404)
    data = await body_of(request, lang)
    if isinstance(data, web.Response):
        return data
    ctx = context_of(request)
    actor = Actor(link.user_id, super_admin=link.user_id in ctx.settings.admin_ids, via="web")

    async def handle(request: web.Request, turn: Turn) -> web.Response:
        try:
            await _run(verb, turn, link.final_id, data)
        except ValueError:
            return refusal("bad_request", lang, 400)
        view = await stage_view(
            turn.session, final_id=link.final_id, now=turn.received_at, for_host=True
        )
        return secure(web.json_response(view))

    response = await in_turn(request, handle, lang=lang, actor=actor)
    request.app[LIVE_HUB].poke(link.final_id)
    return response


async def buzz_press(request: web.Request) -> web.StreamResponse:
    """POST /live/buzz/{token}: a press, timed when the request reached us."""
    lang = lang_of(request)
    received(request)
    link = link_of(request, "buzz")
    if link is None:
        return refusal("link_expired", lang, 401)
    hub = request.app[LIVE_HUB]
    async with hub.lock(link.final_id):  # taken before any await: in receipt order
        response = await _press(request, link, lang)
    hub.poke(link.final_id)
    return response


async def _press(request: web.Request, link: LiveLink, lang: str) -> web.StreamResponse:
    # The press carries nothing but itself: its body is never waited for, so a phone on a
    # slow network cannot hold the presses behind it.
    refused = refused_post(request, lang)
    if refused is not None:
        return refused

    async def handle(request: web.Request, turn: Turn) -> web.Response:
        result = await buzz(
            turn.session,
            final_id=link.final_id,
            team_id=link.team_id,
            worker_id=link.worker_id or None,
            received_at=turn.received_at,
            via="web",
        )
        return secure(web.json_response({**asdict(result), "at": turn.received_at.isoformat()}))

    return await in_turn(request, handle, lang=lang)


async def hall_answer(request: web.Request) -> web.StreamResponse:
    """POST /live/hall/{token}/answer: a phone's answer to the 观众题 on stage."""
    lang = lang_of(request)
    received(request)
    link = link_of(request, "hall")
    voter = request.cookies.get(VOTER_COOKIE, "")
    if link is None:
        return refusal("link_expired", lang, 401)
    if not voter.isalnum() or not 8 <= len(voter) <= 32:
        return refusal("no_voter", lang, 400)
    data = await body_of(request, lang)
    if isinstance(data, web.Response):
        return data

    async def handle(request: web.Request, turn: Turn) -> web.Response:
        try:
            question_id = _int(data, "question_id")
        except ValueError:
            return refusal("bad_request", lang, 400)
        await audience_answer(
            turn.session,
            final_id=link.final_id,
            question_id=question_id,
            voter=voter,
            name=str(data.get("name", ""))[:40],
            response=data.get("response"),
            received_at=turn.received_at,
        )
        return secure(web.json_response({"ok": True}))

    response = await in_turn(request, handle, lang=lang)
    request.app[LIVE_HUB].poke(link.final_id)
    return response


def new_voter() -> str:
    return secrets.token_hex(8)
