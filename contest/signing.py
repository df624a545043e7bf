"""Signed tokens for the web face: personal quiz links (H5) and browser sessions.

A token is its fields joined with ``.`` and an HMAC-SHA256 over them and a purpose (so a
session can never pass for a link), truncated to 128 bits and base64url-encoded. The key is
``Settings.web_key`` (WEB_SECRET, or derived from the bot's token). Nothing is stored: a
link expires with the time it carries; a new key invalidates them all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SIGNATURE_BYTES = 16
SESSION_TTL = timedelta(hours=12)
REVIEW_WINDOW = timedelta(days=3)  # a link still opens results and 错题回顾 after the close


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(key: bytes, purpose: str, *fields: str) -> str:
    body = ".".join(fields)
    mac = hmac.new(key, f"{purpose}|{body}".encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac[:SIGNATURE_BYTES])}"


def verify(key: bytes, purpose: str, token: str, *, count: int) -> list[str] | None:
    """The fields of a token signed for ``purpose`` with ``count`` fields, else None."""
    if not token or len(token) > 512 or not token.isascii():
        return None
    parts = token.split(".")
    if len(parts) != count + 1:
        return None
    expected = sign(key, purpose, *parts[:-1])
    return parts[:-1] if hmac.compare_digest(expected, token) else None


def _epoch(when: datetime) -> str:
    return str(int(when.timestamp()))


def _expired(value: str, now: datetime) -> bool:
    return not value.isdigit() or int(value) < now.timestamp()


# --- personal quiz links -------------------------------------------------------------------


@dataclass(frozen=True)
class QuizLink:
    worker_id: int
    competition_id: int
    expires_at: datetime


def link_token(key: bytes, *, worker_id: int, competition_id: int, ends_at: datetime) -> str:
    """A worker's personal link to one competition, valid until a while after its close."""
    exp = _epoch(ends_at + REVIEW_WINDOW)
    return sign(key, "h5", str(worker_id), str(competition_id), exp)


def read_link(key: bytes, token: str, *, now: datetime) -> QuizLink | None:
    fields = verify(key, "h5", token, count=3)
    if fields is None or _expired(fields[2], now) or not fields[0].isdigit():
        return None
    if not fields[1].isdigit():
        return None
    return QuizLink(int(fields[0]), int(fields[1]), datetime.fromtimestamp(int(fields[2]), UTC))


# --- browser sessions ----------------------------------------------------------------------


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser: which worker, how (``app``/``h5``/``login``/a messenger), for
    which competition (``None``: every one), its CSRF token.

    A sign-in that proves less than the worker's own account (工号 + 姓名, a personal link)
    is issued for the one competition it was made for.
    """

    worker_id: int
    via: str
    nonce: str
    expires_at: datetime
    competition_id: int | None = None

    def csrf(self, key: bytes) -> str:
        mac = hmac.new(key, f"csrf|{self.nonce}".encode(), hashlib.sha256).digest()
        return _b64(mac[:SIGNATURE_BYTES])


VIAS = ("app", "h5", "login", "wecom", "dingtalk", "feishu")


def new_session(
    key: bytes, *, worker_id: int, via: str, now: datetime, competition_id: int | None = None
) -> tuple[str, WebSession]:
    nonce = secrets.token_urlsafe(12).replace(".", "_")
    expires = now + SESSION_TTL
    scope = str(competition_id or 0)
    token = sign(key, "session", str(worker_id), via, scope, nonce, _epoch(expires))
    session = WebSession(worker_id, via, nonce, expires.replace(microsecond=0), competition_id)
    return token, session


def read_session(key: bytes, token: str, *, now: datetime) -> WebSession | None:
    fields = verify(key, "session", token, count=5)
    if fields is None or not fields[0].isdigit() or fields[1] not in VIAS:
        return None
    if not fields[2].isdigit() or _expired(fields[4], now):
        return None
    expires = datetime.fromtimestamp(int(fields[4]), UTC)
    scope = int(fields[2]) or None
    return WebSession(int(fields[0]), fields[1], fields[3], expires, scope)


# --- robot pictures ------------------------------------------------------------------------


def picture_token(key: bytes, *, outbox_id: int) -> str:
    """The address of an announcement picture a DingTalk or Feishu message points at."""
    return sign(key, "picture", str(outbox_id))


def read_picture(key: bytes, token: str) -> int | None:
    fields = verify(key, "picture", token, count=1)
    return int(fields[0]) if fields and fields[0].isdigit() else None
