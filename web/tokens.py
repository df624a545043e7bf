"""Verified browser sessions, remembered: a signed-in browser's requests cost a dictionary
lookup instead of an HMAC over its session token and another over its CSRF token.

Only tokens whose signature checked out are remembered (a flood of forged tokens cannot push
the real ones out), in a bounded LRU; each request still checks the expiry the token carries.
A new ``WEB_SECRET`` starts a new process, and with it an empty cache.
"""

from __future__ import annotations

import functools
import hmac
from collections import OrderedDict
from datetime import datetime

from contest.signing import WebSession, read_session

MAX_SESSIONS = 50_000  # a national contest's evening peak signs in tens of thousands


class VerifiedSessions:
    def __init__(self, key: bytes, *, size: int = MAX_SESSIONS) -> None:
        self.key = key
        self.size = size
        self._known: OrderedDict[str, WebSession] = OrderedDict()

    def read(self, token: str, *, now: datetime) -> WebSession | None:
        """The session ``token`` signs, unless it is forged or expired."""
        session = self._known.get(token)
        if session is None:
            session = read_session(self.key, token, now=now)
            if session is None:
                return None
            self._known[token] = session
            if len(self._known) > self.size:
                self._known.popitem(last=False)
        else:
            self._known.move_to_end(token)
        if session.expires_at.timestamp() < now.timestamp():
            self._known.pop(token, None)
            return None
        return session

    def csrf(self, session: WebSession) -> str:
        """The CSRF token of ``session`` (what :meth:`WebSession.csrf` computes)."""
        return _csrf(self.key, session.nonce)

    def csrf_matches(self, session: WebSession, sent: str) -> bool:
        expected = self.csrf(session)
        return bool(sent) and hmac.compare_digest(sent.encode(), expected.encode())


@functools.lru_cache(maxsize=MAX_SESSIONS)
def _csrf(key: bytes, nonce: str) -> str:
    return WebSession(0, "app", nonce, datetime.min).csrf(key)


__all__ = ["MAX_SESSIONS", "VerifiedSessions"]
