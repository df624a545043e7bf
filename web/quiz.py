"""The quiz in a browser: the same attempts, rules, deadlines and scoring as the chat, through
the same core calls (:mod:`contest.attempts`) — this module only parses and encodes.

Every handler takes ``(request, turn)`` (:mod:`web.turn` builds the turn, owns its
transaction and answers refusals). Every call takes the time the request reached us; a
question's clock starts when its JSON is served, so a busy moment between the two is moved
to the serve time (:func:`contest.attempts.state.question_delivered`). An answer counts once
however it arrives: a worker may start in chat and go on here, or the reverse.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from chat.turn import Turn
from contest import attempts
from contest.attempts.comeback import active_attempt
from contest.attempts.loading import load_position
from contest.attempts.state import owned as owned_attempt
from contest.competitions import open_competitions
from contest.models import AttemptKind
from contest.quizview import QuestionView, Step, Summary
from contest.review import review_allowed, wrong_answers
from web.context import context_of
from web.turn import RECEIVED, require_scope, scope_of, signed_in, with_lean_turn, with_turn
from web.views import competition_json, question_json, review_json, step_json, summary_json

LATE_SERVE_MS = 50  # serving later than this after receipt moves the question's clock
MAX_ID = 2**31 - 1  # ids are 32-bit on every backend we run on
MAX_BODY_DEPTH = 8  # our bodies are flat: deeper nesting is refused before it is walked


def _bad() -> web.HTTPBadRequest:
    return web.HTTPBadRequest()


def _depth_ok(raw: str) -> bool:
    """Whether the JSON text nests at most MAX_BODY_DEPTH deep (checked before parsing, so a
    body nested 50,000 deep costs one pass over its text, not Python's recursion limit)."""
    depth = 0
    in_string = escaped = False
    for char in raw:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_BODY_DEPTH:
                return False
        elif char in "]}":
            depth -= 1
    return True


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.text()
    if not _depth_ok(raw):
        raise _bad()
    try:
        data = json.loads(raw)
    except ValueError:
        raise _bad() from None
    if not isinstance(data, dict):
        raise _bad()
    return data


def _int(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ID:
        raise _bad()
    return value


def _response(data: dict[str, Any]) -> Any:
    """The answer in displayed form: an option, 1/0, ticked options, or blank texts."""
    response = data.get("response")
    if isinstance(response, bool):
        return int(response)
    if isinstance(response, int) and 0 <= response <= 100:
        return response
    if isinstance(response, list) and len(response) <= 20:
        if all(isinstance(r, int) and not isinstance(r, bool) and 0 <= r <= 100 for r in response):
            return response
        if all(isinstance(r, str) and len(r) <= 200 for r in response):
            return response
    raise _bad()


async def _encode(
    request: web.Request, turn: Turn, item: QuestionView | Summary | Step
) -> web.Response:
    """The JSON for ``item``; the question it shows starts its clock now, when it is served."""
    ctx = context_of(request)
    received = turn.received_at
    view: QuestionView | None = None
    summary: Summary | None = None
    if isinstance(item, QuestionView):
        view, payload = item, question_json(item, now=received)
    elif isinstance(item, Summary):
        summary = item
        payload = summary_json(item, review=await _may_review(turn, item))
    else:
        view, summary = item.next, item.summary
        review = summary is not None and await _may_review(turn, summary)
        payload = step_json(item, now=received, review=review)
    served = ctx.clock()
    if view is not None and (served - received).total_seconds() * 1000 > LATE_SERVE_MS:
        ctx.served.add(view, served)  # after this turn's commit, batched with others
        payload = {**payload, "served_late": True}
    if summary is not None or isinstance(item, Step):
        ctx.hub.poke(None)
    return web.json_response(payload)


async def _may_review(turn: Turn, summary: Summary) -> bool:
    return await review_allowed(
        turn.session, worker_id=turn.my_id, attempt_id=summary.attempt_id, clock=turn.clock
    )


async def _check_attempt(request: web.Request, turn: Turn, attempt_id: int) -> None:
    """The attempt is the worker's own and in the session's competition."""
    if scope_of(request) is None:
        return
    attempt = await owned_attempt(turn.session, worker_id=turn.my_id, attempt_id=attempt_id)
    if attempt.competition_id is not None:
        require_scope(request, attempt.competition_id)


# --- handlers ------------------------------------------------------------------------------


@with_turn
async def api_session(request: web.Request, turn: Turn) -> web.Response:
    """Who is signed in, their CSRF token, the open competitions and any unfinished attempt."""
    ctx = context_of(request)
    signed = signed_in(request)
    assert signed is not None  # with_turn answered 401 otherwise
    worker = turn.me
    scope = scope_of(request)
    competitions = await open_competitions(turn.session, clock=turn.clock)
    if scope is not None:
        competitions = [c for c in competitions if c.id == scope]
    active = await active_attempt(turn.session, worker_id=turn.my_id, clock=turn.clock)
    body: dict[str, Any] = {
        "name": worker.real_name,
        "lang": turn.lang,
        "csrf": signed.csrf(ctx.key),
        "via": signed.via,
        "scope": scope,
        "competitions": [competition_json(c, turn.lang) for c in competitions],
        "active": None,
    }
    if active is not None and (scope is None or active.competition_id in (None, scope)):
        body["active"] = {
            "attempt_id": active.id,
            "kind": AttemptKind(active.kind).value,
            "competition_id": active.competition_id,
        }
    return web.json_response(body)


@with_turn
async def api_start(request: web.Request, turn: Turn) -> web.Response:
    data = await _body(request)
    item: QuestionView | Summary
    if data.get("practice"):
        item = await attempts.start_practice(
            turn.session,
            worker=turn.me,
            clock=turn.clock,
            tz=turn.tz,
            mistakes=data.get("mistakes") is True,
        )
    else:
        competition_id = _int(data, "competition_id")
        require_scope(request, competition_id)
        item = await attempts.start_competition(
            turn.session,
            worker=turn.me,
            competition_id=competition_id,
            clock=turn.clock,
            tz=turn.tz,
        )
    return await _encode(request, turn, item)


@with_lean_turn
async def api_current(request: web.Request, turn: Turn) -> web.Response:
    """The question the worker is on in ``attempt_id`` (starting its clock), or its summary."""
    data = await _body(request)
    attempt_id = _int(data, "attempt_id")
    await _check_attempt(request, turn, attempt_id)
    item = await attempts.show_current(
        turn.session, worker_id=turn.my_id, attempt_id=attempt_id, clock=turn.clock, tz=turn.tz
    )
    return await _encode(request, turn, item)


@with_lean_turn
async def api_answer(request: web.Request, turn: Turn) -> web.Response:
    data = await _body(request)
    attempt_id, position = _int(data, "attempt_id"), _int(data, "position")
    response = _response(data)
    loaded = await load_position(
        turn.session, worker_id=turn.my_id, attempt_id=attempt_id, position=position
    )
    if loaded.attempt.competition_id is not None:
        require_scope(request, loaded.attempt.competition_id)
    step = await attempts.answer(
        turn.session,
        worker_id=turn.my_id,
        attempt_id=attempt_id,
        position=position,
        response=response,
        clock=turn.clock,
        tz=turn.tz,
        loaded=loaded,
    )
    return await _encode(request, turn, step)


@with_lean_turn
async def api_review(request: web.Request, turn: Turn) -> web.Response:
    raw = request.match_info["attempt_id"]
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_ID:
        raise web.HTTPNotFound()
    attempt_id = int(raw)
    await _check_attempt(request, turn, attempt_id)
    items = await wrong_answers(
        turn.session, worker_id=turn.my_id, attempt_id=attempt_id, clock=turn.clock
    )
    return web.json_response({"items": review_json(items)})


def add_quiz_api(app: web.Application) -> None:
    app.router.add_get("/api/session", api_session)
    app.router.add_post("/api/start", api_start)
    app.router.add_post("/api/current", api_current)
    app.router.add_post("/api/answer", api_answer)
    app.router.add_get("/api/review/{attempt_id}", api_review)


__all__ = ["RECEIVED", "add_quiz_api"]
