"""Signing in to the browser quiz: the Telegram Mini App (initData), a personal signed link
(H5, for workers without Telegram), or 工号 + 姓名 against the roster when the organiser
allows it. Each ends in the same signed session; the quiz page is the same for all three.

A personal link and the roster sign-in prove less than a Telegram account, so their
sessions are issued for the one competition they were made for. The roster form carries a
signed token bound to a cookie (double submit, SameSite=Lax): that is what proves the post
came from our page, since a page with a strict referrer policy posts with ``Origin: null``.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from contest.competitions import get_competition
from contest.signing import new_session, read_link, sign, verify
from contest.web_access import roster_login_enabled
from contest.web_signin import roster_sign_in
from contest.workers import get_worker
from i18n import normalize_lang, t
from web.auth import CLIENT_ADDRESS, foreign_origin, miniapp_init_data, set_session_cookie
from web.context import WebContext, context_of
from web.errors import api_error, request_lang
from web.oauth import signin_links, signin_only, signin_redirect
from web.pages import message_page, render
from web.texts import client_texts

LOGIN_COOKIE = "qq_login"
FORM_TTL = timedelta(hours=2)


async def quiz_page(request: web.Request) -> web.Response:
    ctx = context_of(request)
    lang = request_lang(request)
    competition = request.query.get("c", "")
    return render(
        ctx.templates,
        "quiz.html",
        lang=lang,
        mode="web",
        texts=client_texts(),
        competition=competition if competition.isascii() and competition.isdigit() else "",
    )


async def app_page(request: web.Request) -> web.Response:
    ctx = context_of(request)
    return render(
        ctx.templates, "quiz.html", lang="zh", mode="app", texts=client_texts(), competition=""
    )


async def app_auth(request: web.Request) -> web.Response:
    """The Mini App posts its initData; a valid, fresh one signs its Telegram user in."""
    ctx = context_of(request)
    if foreign_origin(request, ctx):
        return api_error("forbidden", "zh", 403)
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError, RecursionError):
        return api_error("bad_request", "zh", 400)
    init_data = body.get("init_data") if isinstance(body, dict) else None
    data = miniapp_init_data(ctx, init_data if isinstance(init_data, str) else "", now=ctx.clock())
    if data is None or data.user is None:
        return web.json_response(
            {"error": "refused", "message": t("web.app.refused", "zh")}, status=401
        )
    lang = normalize_lang(data.user.language_code)
    async with ctx.session_factory() as session:
        worker = await get_worker(session, telegram_id=data.user.id)
    if worker is None or worker.registered_at is None or worker.id is None:
        return web.json_response(
            {"error": "not_registered", "message": t("web.app.not_registered", lang)}, status=403
        )
    token, signed = new_session(ctx.key, worker_id=worker.id, via="app", now=ctx.clock())
    response = web.json_response({"session": token, "csrf": signed.csrf(ctx.key)})
    set_session_cookie(response, request, token)
    return response


async def h5_link(request: web.Request) -> web.StreamResponse:
    """A personal link: sign its worker in, then show the quiz, or with ``?to=results``
    their result (the token leaves the URL)."""
    ctx = context_of(request)
    lang = request_lang(request)
    link = read_link(ctx.key, request.match_info["token"], now=ctx.clock())
    if link is None:
        return _expired(ctx, lang)
    async with ctx.session_factory() as session:
        competition = await get_competition(session, competition_id=link.competition_id)
    if competition is None:
        return _expired(ctx, lang)
    token, _ = new_session(
        ctx.key,
        worker_id=link.worker_id,
        via="h5",
        now=ctx.clock(),
        competition_id=link.competition_id,
    )
    # The close's personal message links here with ``to=results``: straight to the result.
    results = "&results=1" if request.query.get("to") == "results" else ""
    response = _see_other(f"/quiz?c={link.competition_id}{results}")
    set_session_cookie(response, request, token)
    return response


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _expired(ctx: WebContext, lang: str) -> web.Response:
    return message_page(
        ctx.templates,
        lang,
        title=t("web.link.expired_title", lang),
        text=t("web.link.expired", lang),
        status=410,
    )


def _closed(ctx: WebContext, lang: str) -> web.Response:
    """The roster form is closed for this competition (or it is gone)."""
    return message_page(
        ctx.templates,
        lang,
        title=t("web.login.title", lang),
        text=t("web.login.closed", lang),
        status=403,
    )


def _competition_id(request: web.Request) -> int:
    raw = request.match_info["competition_id"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise web.HTTPNotFound()
    return int(raw)


async def join_page(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    competition_id = _competition_id(request)
    lang = request_lang(request)
    if (to_messenger := signin_redirect(request, competition_id, lang)) is not None:
        return to_messenger
    return await _login_form(ctx, request, competition_id, lang, error=None, status=200)


async def _login_form(
    ctx: WebContext,
    request: web.Request,
    competition_id: int,
    lang: str,
    *,
    error: str | None,
    status: int,
) -> web.Response:
    async with ctx.session_factory() as session:
        competition = await get_competition(session, competition_id=competition_id)
        enabled = competition is not None and await roster_login_enabled(
            session, competition_id=competition_id
        )
    if competition is None:
        raise web.HTTPNotFound()
    if not enabled:
        if (messengers := signin_only(request, competition_id, lang)) is not None:
            return messengers
        return _closed(ctx, lang)
    nonce = secrets.token_urlsafe(16)
    expires = str(int((ctx.clock() + FORM_TTL).timestamp()))
    form_token = sign(ctx.key, "join", str(competition_id), nonce, expires)
    response = render(
        ctx.templates,
        "login.html",
        status=status,
        lang=lang,
        form_token=form_token,
        action=f"/join/{competition_id}",
        competition=competition.name,
        error=error,
        signins=signin_links(request, competition_id, lang),
    )
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=int(FORM_TTL.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=request.secure,
        path="/join",
    )
    return response


def _form_ok(ctx: WebContext, request: web.Request, competition_id: int, sent: str) -> bool:
    """The form's signed token is ours, fresh, for this competition, and matches the cookie."""
    fields = verify(ctx.key, "join", sent, count=3)
    if fields is None or fields[0] != str(competition_id) or not fields[2].isdigit():
        return False
    if int(fields[2]) < ctx.clock().timestamp():
        return False
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    return hmac.compare_digest(cookie.encode(), fields[1].encode())


async def join_submit(request: web.Request) -> web.StreamResponse:
    """工号 + 姓名 against the roster: a session for this competition, or the form again
    saying why (wrong, with tries left; locked, until when)."""
    ctx = context_of(request)
    competition_id = _competition_id(request)
    form = await request.post()
    lang = normalize_lang(str(form.get("lang", "")) or request_lang(request))
    if foreign_origin(request, ctx) or not _form_ok(
        ctx, request, competition_id, str(form.get("form_token", ""))
    ):
        error = t("web.login.stale_form", lang)
        return await _login_form(ctx, request, competition_id, lang, error=error, status=403)
    if not await ctx.by_login.allow(request.get(CLIENT_ADDRESS, "?")):
        error = t("web.quiz.busy", lang)
        return await _login_form(ctx, request, competition_id, lang, error=error, status=429)
    async with ctx.session_factory() as session:
        result = await roster_sign_in(
            session,
            competition_id=competition_id,
            employee_no=str(form.get("employee_no", ""))[:50],
            name=str(form.get("name", ""))[:50],
            clock=ctx.clock,
        )
        competition = await get_competition(session, competition_id=competition_id)
        await session.commit()
    if result.closed or competition is None:
        return _closed(ctx, lang)
    if result.worker is None or result.worker.id is None:
        if result.locked_until is not None:
            until = result.locked_until.astimezone(ZoneInfo(competition.timezone))
            error = t("web.login.locked", lang, until=until.strftime("%H:%M"))
            status = 429
        else:
            error = t("web.login.failed_left", lang, count=result.tries_left or 0)
            status = 401
        return await _login_form(ctx, request, competition_id, lang, error=error, status=status)
    token, _ = new_session(
        ctx.key,
        worker_id=result.worker.id,
        via="login",
        now=ctx.clock(),
        competition_id=competition_id,
    )
    response = _see_other(f"/quiz?c={competition_id}")
    set_session_cookie(response, request, token)
    response.del_cookie(LOGIN_COOKIE, path="/join")
    return response


def add_login_routes(app: web.Application) -> None:
    app.router.add_get("/quiz", quiz_page)
    app.router.add_get("/app", app_page)
    app.router.add_post("/app/auth", app_auth)
    app.router.add_get("/h5/{token}", h5_link)
    app.router.add_get("/join/{competition_id}", join_page)
    app.router.add_post("/join/{competition_id}", join_submit)
