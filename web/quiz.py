"""The quiz in a browser: the same attempts, rules, deadlines and scoring as the chat, through
the same core calls (:mod:`contest.attempts`) — this module only parses and encodes.

Every call takes the time the request reached us (the core's ``clock``); a question's clock
starts when its JSON is served, so a busy moment between the two is moved to the serve time
(:func:`contest.attempt_state.question_delivered`). An answer counts once however it
arrives: a worker may start in chat and go on here, or the reverse.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from contest import attempts
from contest.attempt_state import question_delivered
from contest.comeback import active_attempt
from contest.competitions import open_competitions
from contest.errors import ContestError
from contest.models import AttemptKind, Worker
from contest.quizview import QuestionView, Step, Summary
from contest.review import review_allowed, wrong_answers
from contest.signing import WebSession
from i18n import t
from storage.types import fixed_clock
from web.auth import WEB_SESSION, current_session
from web.context import WebContext, context_of
from web.views import competition_json, question_json, review_json, step_json, summary_json

LATE_SERVE_MS = 50  # serving later than this after receipt moves the question's clock
RECEIVED = web.RequestKey("received_at", datetime)


def _error(code: str, lang: str, status: int, **params: Any) -> web.Response:
    key = next(
        (f"{p}.{code}" for p in ("web.error", "quiz.error", "contest.error")
         if _has(f"{p}.{code}")),
        "quiz.error.generic",
    )  # fmt: skip
    try:
        message = t(key, lang, **params)
    except (KeyError, IndexError):
        message = t("quiz.error.generic", lang)
    return web.json_response({"error": code, "message": message}, status=status)


def _has(key: str) -> bool:
    from i18n import catalogue

    return key in catalogue("zh")


def contest_error(error: ContestError, lang: str) -> web.Response:
    return _error(error.code, lang, 409, **error.params)


async def _worker(request: web.Request, ctx: WebContext, session: AsyncSession) -> Worker:
    signed = request.get(WEB_SESSION)
    if not isinstance(signed, WebSession):
        raise web.HTTPUnauthorized(
            text=json.dumps({"error": "not_signed_in",
                             "message": t("web.error.not_signed_in", "zh")}),
            content_type="application/json",
        )  # fmt: skip
    worker = await session.get(Worker, signed.worker_id)
    if worker is None:
        raise web.HTTPUnauthorized()
    return worker


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest() from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest()
    return data


def _int(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise web.HTTPBadRequest()
    return value


async def _encode(
    ctx: WebContext, request: web.Request, session: AsyncSession,
    item: QuestionView | Summary | Step, worker_id: int,
) -> web.Response:  # fmt: skip
    """The JSON for ``item``; the question it shows starts its clock now, when it is served."""
    received = request[RECEIVED]
    clock = fixed_clock(received)
    view: QuestionView | None = None
    summary: Summary | None = None
    if isinstance(item, QuestionView):
        view, payload = item, question_json(item, now=received)
    elif isinstance(item, Summary):
        summary = item
        payload = summary_json(item, review=await _may_review(session, worker_id, item, clock))
    else:
        view, summary = item.next, item.summary
        review = summary is not None and await _may_review(session, worker_id, summary, clock)
        payload = step_json(item, now=received, review=review)
    await session.commit()
    served = ctx.clock()
    if view is not None and (served - received).total_seconds() * 1000 > LATE_SERVE_MS:
        await question_delivered(session, view=view, at=served)
        await session.commit()
        payload = {**payload, "served_late": True}
    if summary is not None or isinstance(item, Step):
        ctx.hub.poke(None)
    return web.json_response(payload)


async def _may_review(session: AsyncSession, worker_id: int, summary: Summary, clock: Any) -> bool:
    return await review_allowed(
        session, worker_id=worker_id, attempt_id=summary.attempt_id, clock=clock
    )


# --- handlers ------------------------------------------------------------------------------


async def api_session(request: web.Request) -> web.Response:
    """Who is signed in, their CSRF token, the open competitions and any unfinished attempt."""
    ctx = context_of(request)
    signed = current_session(request, ctx)
    if signed is None:
        return _error("not_signed_in", "zh", 401)
    clock = fixed_clock(request[RECEIVED])
    async with ctx.session_factory() as session:
        worker = await session.get(Worker, signed.worker_id)
        if worker is None:
            return _error("not_signed_in", "zh", 401)
        lang = worker.language
        competitions = await open_competitions(session, clock=clock)
        active = await active_attempt(session, worker_id=int(worker.id or 0), clock=clock)
        await session.commit()
        body = {
            "name": worker.real_name,
            "lang": lang,
            "csrf": signed.csrf(ctx.key),
            "via": signed.via,
            "competitions": [competition_json(c, lang) for c in competitions],
            "active": None if active is None else {
                "attempt_id": active.id, "kind": AttemptKind(active.kind).value,
                "competition_id": active.competition_id,
            },
        }  # fmt: skip
    return web.json_response(body)


async def api_start(request: web.Request) -> web.Response:
    ctx = context_of(request)
    data = await _body(request)
    clock = fixed_clock(request[RECEIVED])
    async with ctx.session_factory() as session:
        worker = await _worker(request, ctx, session)
        try:
            if data.get("practice"):
                item = await attempts.start_practice(
                    session, worker=worker, clock=clock, tz=ctx.settings.timezone
                )
            else:
                item = await attempts.start_competition(
                    session, worker=worker, competition_id=_int(data, "competition_id"),
                    clock=clock, tz=ctx.settings.timezone,
                )  # fmt: skip
        except ContestError as error:
            await session.rollback()
            return contest_error(error, worker.language)
        return await _encode(ctx, request, session, item, int(worker.id or 0))


async def api_current(request: web.Request) -> web.Response:
    """The question the worker is on in ``attempt_id`` (starting its clock), or its summary."""
    ctx = context_of(request)
    data = await _body(request)
    clock = fixed_clock(request[RECEIVED])
    async with ctx.session_factory() as session:
        worker = await _worker(request, ctx, session)
        try:
            item = await attempts.show_current(
                session, worker_id=int(worker.id or 0), attempt_id=_int(data, "attempt_id"),
                clock=clock, tz=ctx.settings.timezone,
            )  # fmt: skip
        except ContestError as error:
            await session.rollback()
            return contest_error(error, worker.language)
        return await _encode(ctx, request, session, item, int(worker.id or 0))


def _response(data: dict[str, Any]) -> Any:
    """The answer in displayed form: an option, 1/0, ticked options, or blank texts."""
    response = data.get("response")
    if isinstance(response, bool):
        return int(response)
    if isinstance(response, int):
        return response
    if isinstance(response, list) and len(response) <= 20:
        if all(isinstance(r, int) and not isinstance(r, bool) for r in response):
            return response
        if all(isinstance(r, str) and len(r) <= 200 for r in response):
            return response
    raise web.HTTPBadRequest()


async def api_answer(request: web.Request) -> web.Response:
    ctx = context_of(request)
    data = await _body(request)
    clock = fixed_clock(request[RECEIVED])
    async with ctx.session_factory() as session:
        worker = await _worker(request, ctx, session)
        try:
            step = await attempts.answer(
                session, worker_id=int(worker.id or 0), attempt_id=_int(data, "attempt_id"),
                position=_int(data, "position"), response=_response(data), clock=clock,
                tz=ctx.settings.timezone,
            )  # fmt: skip
        except ContestError as error:
            await session.rollback()
            return contest_error(error, worker.language)
        return await _encode(ctx, request, session, step, int(worker.id or 0))


async def api_review(request: web.Request) -> web.Response:
    ctx = context_of(request)
    clock = fixed_clock(request[RECEIVED])
    attempt_id = request.match_info["attempt_id"]
    if not attempt_id.isdigit():
        raise web.HTTPNotFound()
    async with ctx.session_factory() as session:
        worker = await _worker(request, ctx, session)
        try:
            items = await wrong_answers(
                session, worker_id=int(worker.id or 0), attempt_id=int(attempt_id), clock=clock
            )
        except ContestError as error:
            await session.rollback()
            return contest_error(error, worker.language)
        await session.commit()
    return web.json_response({"items": review_json(items)})


def add_quiz_api(app: web.Application) -> None:
    app.router.add_get("/api/session", api_session)
    app.router.add_post("/api/start", api_start)
    app.router.add_post("/api/current", api_current)
    app.router.add_post("/api/answer", api_answer)
    app.router.add_get("/api/review/{attempt_id}", api_review)
