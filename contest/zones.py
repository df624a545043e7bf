"""Time zones by the names people use: 北京时间, not Asia/Shanghai.

China keeps one zone under several IANA names (Asia/Shanghai, Asia/Chongqing, PRC…); a
zone without a common name reads as its offset with the IANA name beside it, so it is never
mistaken for the reader's own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from i18n import t

# IANA name → the key of its everyday name in ``season.zone``.
_NAMED = {
    "Asia/Shanghai": "beijing",
    "Asia/Chongqing": "beijing",
    "Asia/Chungking": "beijing",
    "Asia/Harbin": "beijing",
    "PRC": "beijing",
    "Asia/Hong_Kong": "hong_kong",
    "Asia/Macau": "macau",
    "Asia/Taipei": "taipei",
    "Asia/Singapore": "singapore",
    "Asia/Tokyo": "tokyo",
    "Asia/Seoul": "seoul",
    "UTC": "utc",
    "Etc/UTC": "utc",
}


def zone_name(tz: str, lang: str | None = None, *, at: datetime | None = None) -> str:
    """北京时间 / Beijing time; else "UTC+3（Europe/Moscow）" (the offset ``at`` that moment)."""
    key = _NAMED.get(tz)
    if key is not None:
        return t(f"season.zone.{key}", lang)
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError):
        return tz
    offset = (at or datetime.now(UTC)).astimezone(zone).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    hours, rest = divmod(abs(minutes), 60)
    sign = "+" if minutes >= 0 else "-"
    text = f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return t("season.zone.other", lang, offset=text, tz=tz)
