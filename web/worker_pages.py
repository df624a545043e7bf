"""What a browser worker sees besides the questions: the home page (competitions with the
attempts left and the closing time, 每日一练 and its streak, an unfinished attempt, ended
competitions with the worker's place), the 错题本 count and the profile with its language.

Each handler reads through the same core calls as the chat's /quiz, /results, /mistakes
and /me (:mod:`contest.offers`, :mod:`contest.practice_rounds`, :mod:`contest.closed`,
:mod:`contest.mistakes`, :mod:`contest.workers`); this module only parses and encodes.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from chat.notices import waiting_book_text
from chat.turn import Turn
from contest.attempts.comeback import active_attempt
from contest.closed import ClosedEntry, closed_entries
from contest.errors import ContestError
from contest.mistakes import mistake_questions, waiting_for_close
from contest.models import AttemptKind, PracticeDay
from contest.offers import Offer, competition_offers
from contest.practice_rounds import current_streak, local_day
from contest.workers import Profile, profile, set_language
from i18n import LANGUAGES, t
from web.auth import current_session
from web.context import context_of
from web.results import add_result_routes, competition_id_of
from web.turn import scope_of, signed_in, with_turn


def local(when: datetime, zone: str) -> str:
    """A time as the chat writes it, in the competition's zone (not the phone's)."""
    return when.astimezone(ZoneInfo(zone)).strftime("%m-%d %H:%M")


_TAG = re.compile(r"<[^>]+>")


def offer_json(offer: Offer, lang: str) -> dict[str, Any]:
    return {
        "id": offer.id,
        "name": offer.name,
        "rules": t(
            "web.quiz.rules",
            lang,
            count=offer.question_count,
            seconds=offer.question_time_limit_s,
            attempts=offer.attempts_allowed,
        ),
        "ends_local": local(offer.ends_at, offer.timezone),
        "attempts_left": offer.attempts_left,
        "attempts_allowed": offer.attempts_allowed,
        "in_progress": offer.in_progress,
        "done_for_today": offer.done_for_today,
    }


def closed_json(entry: ClosedEntry) -> dict[str, Any]:
    return {
        "id": entry.competition_id,
        "name": entry.name,
        "ready": entry.ready,
        "ready_local": local(entry.ready_at, entry.timezone),
        "rank": entry.rank,
        "tied": entry.tied,
        "participants": entry.participants,
    }


def profile_json(me: Profile) -> dict[str, Any]:
    return {
        "name": me.real_name,
        "employee_no": me.employee_no,
        "team": " / ".join(me.team_path),
        "language": me.language,
        "name_locked_by": me.name_locked_by,
    }


@with_turn
async def api_home(request: web.Request, turn: Turn) -> web.Response:
    """Everything the home page shows, in one answer (a cheap phone makes one request)."""
    ctx = context_of(request)
    signed = signed_in(request)
    assert signed is not None  # with_turn answered 401 otherwise
    scope = scope_of(request)
    offers = await competition_offers(turn.session, worker_id=turn.my_id, clock=turn.clock)
    ended = await closed_entries(turn.session, worker_id=turn.my_id, clock=turn.clock)
    if scope is not None:
        offers = [o for o in offers if o.id == scope]
        ended = [e for e in ended if e.competition_id == scope]
    # The streak as /results states it, without /results' per-attempt places.
    now = turn.wall()
    today = await turn.session.get(PracticeDay, (turn.my_id, local_day(now, turn.tz)))
    active = await active_attempt(turn.session, worker_id=turn.my_id, clock=turn.clock)
    body: dict[str, Any] = {
        "name": turn.me.real_name,
        "lang": turn.lang,
        "csrf": signed.csrf(ctx.key),
        "via": signed.via,
        "scope": scope,
        "competitions": [offer_json(o, turn.lang) for o in offers],
        "closed": [closed_json(e) for e in ended],
        "practice": {
            "streak": current_streak(turn.me, now=now, tz=turn.tz),
            "today": today.answered if today is not None else 0,
        },
        "mistakes": len(await mistake_questions(turn.session, worker_id=turn.my_id)),
        "mistakes_waiting": await _waiting_lines(turn),
        "active": None,
    }
    if active is not None and (scope is None or active.competition_id in (None, scope)):
        body["active"] = {
            "attempt_id": active.id,
            "kind": AttemptKind(active.kind).value,
            "competition_id": active.competition_id,
        }
    return web.json_response(body)


async def _waiting_lines(turn: Turn) -> list[str]:
    """When the running competitions' mistakes join the book, one plain line each."""
    waiting = await waiting_for_close(turn.session, worker_id=turn.my_id)
    text = waiting_book_text(waiting, turn.lang)
    return html.unescape(_TAG.sub("", text)).split("\n") if text else []


@with_turn
async def api_profile(request: web.Request, turn: Turn) -> web.Response:
    me = await profile(turn.session, worker=turn.me, clock=turn.wall)
    return web.json_response(profile_json(me))


@with_turn
async def api_language(request: web.Request, turn: Turn) -> web.Response:
    """Switch the worker's language (zh/en): the chat and every later page use it."""
    raw = await request.text()
    try:
        data = json.loads(raw) if len(raw) <= 200 else None
    except ValueError:
        data = None
    language = data.get("language") if isinstance(data, dict) else None
    if not isinstance(language, str) or language not in LANGUAGES:
        raise ContestError("bad_language")
    worker = await set_language(turn.session, worker=turn.me, language=language)
    me = await profile(turn.session, worker=worker, clock=turn.wall)
    return web.json_response(profile_json(me))


async def results_page(request: web.Request) -> web.Response:
    """The address the close's group notice links to: the worker's result when this
    browser is signed in for it, else the competition's sign-in first."""
    ctx = context_of(request)
    competition_id = competition_id_of(request)
    signed = current_session(request, ctx)
    if signed is None or signed.competition_id not in (None, competition_id):
        raise web.HTTPSeeOther(f"/join/{competition_id}")
    raise web.HTTPSeeOther(f"/quiz?c={competition_id}&results=1")


def add_worker_routes(app: web.Application) -> None:
    app.router.add_get("/api/home", api_home)
    app.router.add_get("/api/profile", api_profile)
    app.router.add_post("/api/profile/language", api_language)
    app.router.add_get("/quiz/results/{competition_id}", results_page)
    add_result_routes(app)
