"""The ``state`` a sign-in carries through the platform and back: which competition, which
language, until when, and a nonce that must match the browser's own cookie (so nobody can
sign a colleague's browser into their own account with a link they started).

WeCom accepts only ``a-zA-Z0-9`` in ``state`` (at most 128 bytes), so the fields and the
HMAC (128 bits, hex) are joined with letters: ``c12lzhe1765000000n<16 hex>s<32 hex>``.
The platform's name is signed too: a state issued for one platform fails on another.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

STATE_TTL = timedelta(minutes=10)
_STATE = re.compile(r"^c(\d{1,9})l(zh|en)e(\d{1,12})n([0-9a-f]{16})s([0-9a-f]{32})$")


@dataclass(frozen=True)
class SigninState:
    competition_id: int
    lang: str
    nonce: str
    expired: bool


def new_nonce() -> str:
    return secrets.token_hex(8)


def _mac(key: bytes, platform: str, competition_id: str, lang: str, exp: str, nonce: str) -> str:
    message = f"signin|{platform}|{competition_id}|{lang}|{exp}|{nonce}".encode()
    return hmac.new(key, message, hashlib.sha256).digest()[:16].hex()


def make_state(
    key: bytes, *, platform: str, competition_id: int, lang: str, nonce: str, now: datetime
) -> str:
    exp = str(int((now + STATE_TTL).timestamp()))
    mac = _mac(key, platform, str(competition_id), lang, exp, nonce)
    return f"c{competition_id}l{lang}e{exp}n{nonce}s{mac}"


def read_state(key: bytes, state: str, *, platform: str, now: datetime) -> SigninState | None:
    """The state's fields if we signed it for this platform (``expired`` says whether its
    time is up), else None."""
    match = _STATE.match(state or "")
    if match is None:
        return None
    competition_id, lang, exp, nonce, mac = match.groups()
    if not hmac.compare_digest(mac, _mac(key, platform, competition_id, lang, exp, nonce)):
        return None
    return SigninState(int(competition_id), lang, nonce, int(exp) < now.timestamp())
