"""Sign-in from inside the enterprise's messenger (企业微信 / 钉钉 / 飞书), without typing.

``/join/<competition>/<platform>`` sends the in-app browser to the platform's
authorisation page with a signed ``state`` (and the same nonce in a cookie);
``/join/done/<platform>`` takes the code the platform sends back, asks the platform's
directory who it is, places that member on the roster (linked account → 工号 → mobile),
and ends in the same signed session as every other sign-in. Whatever goes wrong — an old
or forged state, a used code, a platform that is down or asks us to slow down, a member the
roster does not know — is a translated page with a way on, never a 500.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from sqlalchemy.exc import TimeoutError as PoolTimeout

from config import Settings
from contest.competitions import get_competition
from contest.directory import place_member
from contest.signing import new_session
from contest.web_access import roster_login_enabled
from i18n import normalize_lang, t
from web.auth import current_session, set_session_cookie
from web.context import WebContext, context_of
from web.oauth.base import Member, Provider, SigninRefused
from web.oauth.dingtalk import DingTalk
from web.oauth.feishu import Feishu
from web.oauth.state import make_state, new_nonce, read_state
from web.oauth.wecom import WeCom
from web.pages import render

logger = logging.getLogger(__name__)

NONCE_COOKIE = "qq_signin"
# The web's error contract: refusals are 4xx, a platform we cannot reach or that asks us to
# wait is 503 (try again later).
STATUS = {"bad_code": 400, "down": 503, "busy": 503, "denied": 403, "declined": 403}


class Signins:
    """The platforms this deployment has an app on, and the HTTP client they share."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._http: aiohttp.ClientSession | None = None
        self._providers: dict[str, Provider] = {}

    @property
    def platforms(self) -> list[str]:
        return [name for name, ready in _available(self._settings) if ready]

    def provider(self, platform: str) -> Provider | None:
        if platform not in self.platforms:
            return None
        if platform not in self._providers:
            if self._http is None:
                self._http = aiohttp.ClientSession()
            self._providers[platform] = _build(platform, self._settings, self._http)
        return self._providers[platform]

    async def close(self, _app: web.Application | None = None) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
        self._providers.clear()


SIGNINS = web.AppKey("qualityquiz_signins", Signins)


def _available(settings: Settings) -> list[tuple[str, bool]]:
    return [
        ("wecom", WeCom.configured(settings)),
        ("dingtalk", DingTalk.configured(settings)),
        ("feishu", Feishu.configured(settings)),
    ]


def _build(platform: str, settings: Settings, http: aiohttp.ClientSession) -> Provider:
    if platform == "wecom":
        return WeCom(settings, http)
    if platform == "dingtalk":
        return DingTalk(settings, http)
    if platform == "feishu":
        return Feishu(settings, http)
    raise ValueError(platform)


@dataclass(frozen=True)
class Link:
    url: str
    label: str
    platform: str = ""


# How each messenger's in-app browser names itself in its User-Agent (企业微信 "wxwork/4.1",
# 钉钉 "AliApp(DingTalk/7.0)", 飞书 "Lark/7.10 … ChannelName/Feishu").
IN_APP = {"wecom": ("wxwork/",), "dingtalk": ("dingtalk",), "feishu": ("lark/", "feishu")}
# Outside its client, WeCom's authorisation page cannot sign anyone in; DingTalk's and
# Feishu's offer a QR code or a password instead, so their buttons show in any browser.
ANY_BROWSER = ("dingtalk", "feishu")


def _in(lang: str, path: str) -> str:
    """``path`` keeping the page's language (Chinese is the default and needs no mark)."""
    if lang != "en":
        return path
    return f"{path}{'&' if '?' in path else '?'}lang=en"


def in_app(request: web.Request) -> str | None:
    """The messenger whose in-app browser sent this request, if any."""
    agent = request.headers.get("User-Agent", "").lower()
    return next((name for name, marks in IN_APP.items() if any(m in agent for m in marks)), None)


def _offered(request: web.Request) -> list[str]:
    signins = request.app.get(SIGNINS)
    configured = signins.platforms if signins is not None else []
    inside = in_app(request)
    if inside in configured:
        return [inside]
    return [name for name in configured if name in ANY_BROWSER]


def signin_links(request: web.Request, competition_id: int, lang: str) -> list[Link]:
    """The "sign in with …" buttons for the competition's sign-in page: the messenger the
    page is open in, else those whose sign-in works in any browser (none configured: the
    roster form stands alone)."""
    return [
        Link(
            _in(lang, f"/join/{competition_id}/{name}"), t(f"web.signin.button.{name}", lang), name
        )
        for name in _offered(request)
    ]


def signin_only(request: web.Request, competition_id: int, lang: str) -> web.Response | None:
    """The competition's sign-in page when the 工号 + 姓名 form is closed: the messengers'
    buttons alone (None when there are none, and the page says sign-in is closed)."""
    links = signin_links(request, competition_id, lang)
    if not links:
        return None
    return _page(context_of(request), lang, "choose", status=200, links=links)


def signin_redirect(request: web.Request, competition_id: int, lang: str) -> web.Response | None:
    """Opened inside a messenger we have an app on (the big screen's QR code scanned with
    钉钉, a link tapped in 企业微信), the sign-in page goes straight to that messenger's
    sign-in; ``?form=1`` (the way back from a failed one) shows the form instead."""
    inside = in_app(request)
    if request.query.get("form") or inside is None or _offered(request) != [inside]:
        return None
    location = _in(lang, f"/join/{competition_id}/{inside}")
    return web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})


def _redirect_uri(ctx: WebContext, request: web.Request, platform: str) -> str:
    return f"{ctx.public_url(request)}/join/done/{platform}"


async def start(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    platform = request.match_info["platform"]
    lang = normalize_lang(request.query.get("lang"))
    provider = request.app[SIGNINS].provider(platform)
    raw = request.match_info["competition_id"]
    if provider is None or len(raw) > 9:
        return _page(ctx, lang, "missing", status=404)
    # No database here: the crowd's first hop stays cheap (the callback checks the
    # competition before anyone is signed in).
    competition_id = int(raw)
    nonce = new_nonce()
    state = make_state(
        ctx.key,
        platform=platform,
        competition_id=competition_id,
        lang=lang,
        nonce=nonce,
        now=ctx.clock(),
    )
    location = provider.authorize_url(
        redirect_uri=_redirect_uri(ctx, request, platform), state=state
    )
    response = web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})
    response.set_cookie(
        NONCE_COOKIE,
        nonce,
        max_age=900,
        httponly=True,
        samesite="Lax",
        secure=request.secure,
        path="/join/",
    )
    return response


async def done(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    platform = request.match_info["platform"]
    provider = request.app[SIGNINS].provider(platform)
    state = read_state(ctx.key, request.query.get("state", ""), platform=platform, now=ctx.clock())
    lang = state.lang if state is not None else "zh"
    if provider is None:
        return _page(ctx, lang, "missing", status=404)
    if state is None:
        return _page(ctx, lang, "forged", status=400)
    retry = [
        Link(
            _in(lang, f"/join/{state.competition_id}/{platform}"),
            t("web.signin.retry", lang),
        )
    ]
    if state.expired or request.cookies.get(NONCE_COOKIE) != state.nonce:
        if not state.expired and current_session(request, ctx) is not None:
            return _to_quiz(state.competition_id, lang)  # the callback reloaded, or Back
        return _page(ctx, lang, "expired", status=400, links=retry)
    if request.query.get("error"):  # the member declined on the platform's consent page
        return _page(ctx, lang, "declined", status=403, links=retry, platform=platform)
    try:
        found = await provider.member(
            request.query, redirect_uri=_redirect_uri(ctx, request, platform)
        )
        placed = await _place(ctx, platform, state.competition_id, found)
    except SigninRefused as refused:
        logger.info("%s sign-in refused: %s", platform, refused)
        status = STATUS.get(refused.kind, 503)
        return _page(ctx, lang, refused.kind, status=status, links=retry, platform=platform)
    if placed is None:
        return _page(ctx, lang, "missing", status=404)
    worker_id, roster = placed
    if worker_id is None:
        join = _in(lang, f"/join/{state.competition_id}?form=1")
        links = [Link(join, t("web.signin.roster", lang))] if roster else []
        outcome = "unplaced_roster" if roster else "unplaced"
        return _page(ctx, lang, outcome, status=403, links=links, platform=platform)
    token, _ = new_session(ctx.key, worker_id=worker_id, via=platform, now=ctx.clock())
    response = _to_quiz(state.competition_id, lang)
    set_session_cookie(response, request, token)
    response.del_cookie(NONCE_COOKIE, path="/join/")
    return response


async def _place(
    ctx: WebContext, platform: str, competition_id: int, found: Member
) -> tuple[int | None, bool] | None:
    """The worker the member is (None: not placed) and whether the roster form is open;
    None when the competition is gone. One short transaction, after the platform's calls."""
    try:
        async with ctx.session_factory() as session:
            if await get_competition(session, competition_id=competition_id) is None:
                return None
            worker = await place_member(
                session, platform=platform, external_id=found.external_id, entries=found.entries
            )
            if worker is not None:
                worker_id = worker.id
                await session.commit()
                return worker_id, False
            return None, await roster_login_enabled(session, competition_id=competition_id)
    except PoolTimeout:  # every connection busy past DB_POOL_TIMEOUT: a crowd at the door
        raise SigninRefused("busy", "database pool") from None


def _to_quiz(competition_id: int, lang: str) -> web.Response:
    location = _in(lang, f"/quiz?c={competition_id}")
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


def _page(
    ctx: WebContext,
    lang: str,
    outcome: str,
    *,
    status: int,
    links: list[Link] | None = None,
    platform: str = "",
) -> web.Response:
    name = t(f"web.signin.platform.{platform}", lang) if platform else ""
    return render(
        ctx.templates,
        "signin.html",
        status=status,
        lang=lang,
        outcome=outcome,
        title=t(f"web.signin.{outcome}_title", lang, platform=name),
        text=t(f"web.signin.{outcome}", lang, platform=name),
        links=links or [],
    )


def add_signin_routes(app: web.Application, settings: Settings) -> None:
    signins = Signins(settings)
    app[SIGNINS] = signins
    app.on_cleanup.append(signins.close)
    app.router.add_get("/join/done/{platform}", done)
    app.router.add_get(r"/join/{competition_id:\d+}/{platform}", start)
