"""What a robot delivery module is given (one outbox row, ready to format) and what it says
about the platform's answer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outbound:
    kind: str  # text | photo | document
    text: str  # Telegram HTML, as the announcement was written
    payload: bytes | None
    title: str  # the competition's name
    screen_url: str | None  # the big screen, linked from every message
    screen_label: str
    picture_url: str | None  # where the photo row's picture is served from (signed)
    picture_label: str


@dataclass(frozen=True)
class Verdict:
    """``sent``; ``later`` (rate limited: retry after ``delay``); ``error`` (5xx, network:
    back off); ``gone`` (the robot no longer exists); ``failed`` (this message will never go)."""

    status: str
    delay: float = 0.0
    error: str = ""

    @classmethod
    def sent(cls) -> Verdict:
        return cls("sent")

    @classmethod
    def later(cls, delay: float, error: str) -> Verdict:
        return cls("later", delay, error)

    @classmethod
    def backoff(cls, error: str) -> Verdict:
        return cls("error", 0.0, error)

    @classmethod
    def gone(cls, error: str) -> Verdict:
        return cls("gone", 0.0, error)

    @classmethod
    def failed(cls, error: str) -> Verdict:
        return cls("failed", 0.0, error)
