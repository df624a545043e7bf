"""Signing in to the browser quiz: the Telegram Mini App (initData), a personal signed link
(H5, for workers without Telegram), or 工号 + 姓名 against the roster when the organiser
allows it. Each ends in the same signed session; the quiz page is the same for all three."""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web

from contest.competitions import get_competition
from contest.signing import new_session, read_link
from contest.web_access import roster_login_enabled, roster_worker
from contest.workers import get_worker
from i18n import normalize_lang, t
from web.auth import CLIENT_ADDRESS, miniapp_init_data, same_origin, set_session_cookie
from web.context import WebContext, context_of
from web.limits import RateLimits
from web.oauth import signin_links, signin_redirect
from web.pages import message_page, render
from web.texts import client_texts

LOGIN_COOKIE = "qq_login"
LOGIN_ATTEMPTS = RateLimits(10 / 60, burst=10)  # per address: 10 tries, then one every 6 s


async def quiz_page(request: web.Request) -> web.Response:
    ctx = context_of(request)
    lang = normalize_lang(request.query.get("lang"))
    competition = request.query.get("c", "")
    return render(ctx.templates, "quiz.html", lang=lang, mode="web", texts=client_texts(),
                  competition=competition if competition.isdigit() else "")  # fmt: skip


async def app_page(request: web.Request) -> web.Response:
    ctx = context_of(request)
    return render(ctx.templates, "quiz.html", lang="zh", mode="app", texts=client_texts(),
                  competition="")  # fmt: skip


async def app_auth(request: web.Request) -> web.Response:
    """The Mini App posts its initData; a valid, fresh one signs its Telegram user in."""
    ctx = context_of(request)
    if not same_origin(request, ctx):
        raise web.HTTPForbidden()
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest() from None
    init_data = body.get("init_data") if isinstance(body, dict) else None
    data = miniapp_init_data(ctx, init_data if isinstance(init_data, str) else "", now=ctx.clock())
    if data is None or data.user is None:
        lang = "zh"
        return web.json_response(
            {"error": "refused", "message": t("web.app.refused", lang)}, status=401
        )
    lang = normalize_lang(data.user.language_code)
    async with ctx.session_factory() as session:
        worker = await get_worker(session, telegram_id=data.user.id)
    if worker is None or worker.registered_at is None:
        return web.json_response(
            {"error": "not_registered", "message": t("web.app.not_registered", lang)}, status=403
        )
    token, signed = new_session(ctx.key, worker_id=int(worker.id or 0), via="app", now=ctx.clock())
    response = web.json_response({"session": token, "csrf": signed.csrf(ctx.key)})
    set_session_cookie(response, request, token)
    return response


async def h5_link(request: web.Request) -> web.StreamResponse:
    """A personal link: sign its worker in, then show the quiz (the token leaves the URL)."""
    ctx = context_of(request)
    link = read_link(ctx.key, request.match_info["token"], now=ctx.clock())
    if link is None:
        return _expired(ctx)
    async with ctx.session_factory() as session:
        competition = await get_competition(session, competition_id=link.competition_id)
    if competition is None:
        return _expired(ctx)
    token, _ = new_session(ctx.key, worker_id=link.worker_id, via="h5", now=ctx.clock())
    response = _see_other(f"/quiz?c={link.competition_id}")
    set_session_cookie(response, request, token)
    return response


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _expired(ctx: WebContext) -> web.Response:
    return message_page(ctx.templates, "zh", title=t("web.link.expired_title", "zh"),
                        text=t("web.link.expired", "zh"), status=410)  # fmt: skip


async def join_page(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    competition_id = _competition_id(request)
    lang = normalize_lang(request.query.get("lang"))
    if (to_messenger := signin_redirect(request, competition_id, lang)) is not None:
        return to_messenger
    async with ctx.session_factory() as session:
        enabled = await roster_login_enabled(session, competition_id=competition_id)
    if not enabled:
        return message_page(ctx.templates, lang, title=t("web.login.title", lang),
                            text=t("web.login.closed", lang), status=403)  # fmt: skip
    return _login_form(ctx, request, competition_id, lang, error=None, status=200)


def _login_form(
    ctx: WebContext, request: web.Request, competition_id: int, lang: str, *,
    error: str | None, status: int,
) -> web.Response:  # fmt: skip
    nonce = secrets.token_urlsafe(16)
    response = render(ctx.templates, "login.html", status=status, lang=lang, nonce=nonce,
                      action=f"/join/{competition_id}", error=error,
                      signins=signin_links(request, competition_id, lang))  # fmt: skip
    response.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, httponly=True, samesite="Strict",
                        secure=request.secure, path="/join")  # fmt: skip
    return response


def _competition_id(request: web.Request) -> int:
    raw = request.match_info["competition_id"]
    if not raw.isdigit() or len(raw) > 9:
        raise web.HTTPNotFound()
    return int(raw)


async def join_submit(request: web.Request) -> web.StreamResponse:
    """工号 + 姓名 against the roster; refused without our Origin and the form's own token."""
    ctx = context_of(request)
    competition_id = _competition_id(request)
    form = await request.post()
    lang = normalize_lang(str(form.get("lang", "")))
    expected = request.cookies.get(LOGIN_COOKIE, "")
    sent = str(form.get("nonce", ""))
    if not same_origin(request, ctx) or not expected or not hmac.compare_digest(expected, sent):
        raise web.HTTPForbidden()
    address = request.get(CLIENT_ADDRESS, "?")
    if not await LOGIN_ATTEMPTS.allow(address):
        raise web.HTTPTooManyRequests(headers={"Retry-After": "6"})
    async with ctx.session_factory() as session:
        if not await roster_login_enabled(session, competition_id=competition_id):
            raise web.HTTPForbidden()
        worker = await roster_worker(
            session, employee_no=str(form.get("employee_no", ""))[:50],
            name=str(form.get("name", ""))[:50],
        )  # fmt: skip
    if worker is None:
        return _login_form(ctx, request, competition_id, lang,
                           error=t("web.login.failed", lang), status=401)  # fmt: skip
    token, _ = new_session(ctx.key, worker_id=int(worker.id or 0), via="login", now=ctx.clock())
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
