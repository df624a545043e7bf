"""Server-rendered pages: a Jinja2 environment over ``web/templates`` with the catalogues'
``t`` and cache-busted addresses of our own static files (no CDN, no build step)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from i18n import t

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"


@cache
def _version(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]


def static_url(name: str) -> str:
    return f"/static/{name}?v={_version(name)}"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(t=t, static=static_url)
    return env


def render(env: Environment, name: str, *, status: int = 200, **context: Any) -> web.Response:
    html = env.get_template(name).render(**context)
    response = web.Response(text=html, content_type="text/html", status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def message_page(
    env: Environment, lang: str, *, title: str, text: str, status: int
) -> web.Response:
    """A plain page that says what went wrong (an expired link, a revoked screen)."""
    return render(env, "message.html", status=status, lang=lang, title=title, text=text)
