"""The browser's turn: one wrapper builds the :class:`chat.turn.Turn` of a request — its
session, the signed-in worker, their language, the time the request reached us — runs the
handler inside the turn's transaction and answers a refusal with the error contract.

Handlers are written ``async def handler(request, turn)`` and mounted with
:func:`with_turn` (or :func:`with_lean_turn`, which reads no worker row); they never open
a session, reload the worker or catch ``ContestError``.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy import select
from sqlmodel import col

from chat.turn import Turn, owned
from contest.errors import ContestError
from contest.models import Worker
from contest.signing import WebSession
from storage.sqlite_driver import inline_statements
from web.context import WebContext, context_of
from web.errors import api_error, contest_error, request_lang

RECEIVED = web.RequestKey("received_at", datetime)
WEB_SESSION = web.RequestKey("web_session", WebSession)
TurnHandler = Callable[[web.Request, Turn], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def signed_in(request: web.Request) -> WebSession | None:
    """The request's signed session, as the guard read it (None when there is none)."""
    signed = request.get(WEB_SESSION)
    return signed if isinstance(signed, WebSession) else None


def with_turn(handler: TurnHandler) -> Handler:
    """Mount ``handler`` for a signed-in worker: 401 JSON without a session."""
    return _mounted(handler, load_worker=True)


def with_lean_turn(handler: TurnHandler) -> Handler:
    """:func:`with_turn` for a handler that needs only the worker's id (``turn.my_id``), not
    their row: the answer path. The session's signature names the worker; the core's own
    reads refuse what is not theirs. The worker's row (their language) is read only when a
    refusal has to be rendered, and a worker that no longer exists is then a 401."""
    return _mounted(handler, load_worker=False)


def _mounted(handler: TurnHandler, *, load_worker: bool) -> Handler:

    @functools.wraps(handler)
    async def handle(request: web.Request) -> web.StreamResponse:
        ctx = context_of(request)
        signed = signed_in(request)
        if signed is None:
            return api_error("not_signed_in", request_lang(request), 401)
        if request.body_exists:
            # The body is read before the transaction begins: a slow client must not hold
            # the process's one SQLite writer while its bytes trickle in.
            await request.read()
        with inline_statements():  # a turn is a few short statements (storage.sqlite_driver)
            return await _turn(request, handler, ctx, signed.worker_id, load_worker)

    return handle


async def _turn(
    request: web.Request,
    handler: TurnHandler,
    ctx: WebContext,
    worker_id: int,
    load_worker: bool,
) -> web.StreamResponse:
    async with ctx.session_factory() as session:
        worker = None
        if load_worker:
            worker = await session.get(Worker, worker_id)
            if worker is None:
                return api_error("not_signed_in", request_lang(request), 401)
        turn = Turn(
            session=session,
            received_at=request[RECEIVED],
            lang=worker.language if worker is not None else request_lang(request),
            tz=ctx.settings.timezone,
            via="web",
            worker=worker,
            wall=ctx.clock,
        )
        turn.worker_id = worker_id
        try:
            async with owned(session):
                return await handler(request, turn)
        except ContestError as error:
            if worker is None:  # a lean turn: the refusal is said in the worker's language
                language = await session.scalar(
                    select(col(Worker.language)).where(col(Worker.id) == worker_id)
                )
                if language is None:
                    return api_error("not_signed_in", request_lang(request), 401)
                turn.lang = language or turn.lang
            return contest_error(error, turn.lang)


def scope_of(request: web.Request) -> int | None:
    """The competition the session was issued for (None: every competition)."""
    signed = signed_in(request)
    return None if signed is None else signed.competition_id


def require_scope(request: web.Request, competition_id: int | None) -> None:
    """Refuse a competition the session was not issued for (a roster sign-in at /join/1
    cannot start competition 4)."""
    scope = scope_of(request)
    if scope is not None and competition_id != scope:
        raise ContestError("not_in_scope")
