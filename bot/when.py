"""How a worker reads time: a local date and time with its UTC offset (a clock time alone
is ambiguous across time zones), and how long is left, in words with their plurals."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from i18n import t


def local_time(when: datetime, tz: str, lang: str) -> str:
    """9月8日 18:00 / 8 Sep 18:00, in ``tz``."""
    local = when.astimezone(ZoneInfo(tz))
    month = t("quiz.when.months", lang).split(",")[local.month - 1]
    return t("quiz.when.date_time", lang, month=month, day=local.day, time=f"{local:%H:%M}")


def utc_offset(when: datetime, tz: str) -> str:
    """UTC+8, UTC-3:30, UTC: the zone as anyone can compare it with their own."""
    offset = when.astimezone(ZoneInfo(tz)).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def span(seconds: float, lang: str) -> str:
    """A duration in its two largest units: 6 天 23 小时 / 6 days 23 hours, 45 minutes."""
    total = max(int(seconds), 0)
    if total < 60:
        return t("quiz.when.under_a_minute", lang)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    parts = [(days, "days"), (hours, "hours")] if days else [(hours, "hours"), (minutes, "minutes")]
    words = [t(f"quiz.when.{unit}", lang, count=n) for n, unit in parts if n]
    return " ".join(words)


def time_left(until: datetime, now: datetime, lang: str) -> str:
    """还剩 2 小时 / 2 hours left."""
    return t("quiz.when.left", lang, span=span((until - now).total_seconds(), lang))


def minutes(seconds: float, lang: str) -> str:
    """A length of time rounded up to whole minutes: 3 分钟 / 3 minutes."""
    return t("quiz.when.minutes", lang, count=max(math.ceil(seconds / 60), 1))


def exact_minutes(seconds: int, lang: str) -> str:
    """8 分钟, or 7 分钟 30 秒 — never rounded, so what the organiser's preview says of a
    paper's time (全卷最长) is what the worker's offer says."""
    whole, rest = divmod(int(seconds), 60)
    parts = [t("quiz.when.minutes", lang, count=whole)] if whole else []
    if rest or not whole:
        parts.append(seconds_text(rest, lang))
    return " ".join(parts)


def seconds_text(seconds: int, lang: str) -> str:
    """30 秒 / 30 seconds."""
    return t("quiz.when.seconds", lang, count=seconds)
