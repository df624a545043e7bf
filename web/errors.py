"""One error contract for the web face: every refusal is a 4xx with a translated message —
JSON for the API, a plain page for what a person opens — and no request ends in a 500.

The guard middleware (:mod:`web.app`) turns every ``HTTPException`` and every unexpected
exception into one of these; handlers raise or return them, never build error bodies by hand.
"""

from __future__ import annotations

import logging
import string
from typing import Any

from aiohttp import web
from jinja2 import Environment

from contest.errors import ContestError
from i18n import catalogue, normalize_lang, t
from web.pages import message_page

logger = logging.getLogger(__name__)

# Which catalogue section explains a refusal, first match wins.
PREFIXES = ("web.error", "quiz.error", "contest.error")
STATUS_CODES = {
    400: "bad_request",
    401: "not_signed_in",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "bad_request",
    429: "busy",
}
# Refusals that are about who asks or what exists, not about the state of the contest.
CONTEST_STATUS = {
    "attempt_not_found": 404,
    "competition_not_found": 404,
    "not_your_attempt": 403,
    "not_in_scope": 403,
    "not_registered": 401,
}


def request_lang(request: web.Request) -> str:
    """The language a request asks for: ``?lang=``, else the browser's first choice."""
    asked = request.query.get("lang")
    if asked:
        return normalize_lang(asked)
    accept = request.headers.get("Accept-Language", "")
    first = accept.split(",", 1)[0].strip().lower()
    return "en" if first.startswith("en") else "zh"


def message_for(code: str, lang: str, **params: Any) -> str:
    """``code`` in ``lang`` from the first section that has it; a generic text otherwise."""
    for prefix in PREFIXES:
        key = f"{prefix}.{code}"
        if key in catalogue("zh"):
            blanks = {n: "?" for _, n, _, _ in string.Formatter().parse(t(key, lang)) if n}
            return t(key, lang, **{**blanks, **params})
    return t("quiz.error.generic", lang)


def api_error(code: str, lang: str, status: int, **params: Any) -> web.Response:
    body = {"error": code, "message": message_for(code, lang, **params)}
    return web.json_response(body, status=status)


def contest_error(error: ContestError, lang: str) -> web.Response:
    status = CONTEST_STATUS.get(error.code, 409)
    return api_error(error.code, lang, status, **error.params)


def error_response(
    request: web.Request, templates: Environment, status: int, *, lang: str | None = None
) -> web.Response:
    """The answer to a refused request: JSON under /api/ and /app/auth, else a page."""
    lang = lang or request_lang(request)
    code = STATUS_CODES.get(status, "unexpected")
    if status >= 500:
        status = 503  # the request did nothing; the client may try again
    if request.path.startswith(("/api/", "/app/auth", "/live/api/")):
        return api_error(code, lang, status)
    return message_page(
        templates,
        lang,
        title=message_for(f"{code}_title", lang),
        text=message_for(code, lang),
        status=status,
    )
