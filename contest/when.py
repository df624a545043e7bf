"""Times as organisers type them: 现在, 明天9点, 11-29 09:00, 2026-11-29 09:00, 3天后, now,
tomorrow 9am — read in the competition's time zone, as aware datetimes."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from contest.schedules import time_of_day, zh_number

_NOW = {"现在", "立即", "马上", "立刻", "now", "rightnow", "immediately"}
_DAY_WORDS = {"今天": 0, "今日": 0, "today": 0, "明天": 1, "明日": 1, "tomorrow": 1, "后天": 2}
_UNITS = {
    "天": "days",
    "日": "days",
    "day": "days",
    "days": "days",
    "d": "days",
    "小时": "hours",
    "个小时": "hours",
    "hour": "hours",
    "hours": "hours",
    "h": "hours",
    "周": "weeks",
    "星期": "weeks",
    "个星期": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "w": "weeks",
    "分钟": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "min": "minutes",
}
_DURATION = re.compile(
    r"^\+?(\d+|[一两二三四五六七八九十])(个小时|个星期|[a-z]+|天|日|小时|周|星期|分钟)(后|以后|之后|later)?$"
)
_DATE = re.compile(r"^(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})[日号]?(.*)$")


def _normal(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def parse_when(
    text: str,
    *,
    zone: str,
    now: datetime,
    base: datetime | None = None,
    default_time: time = time(9, 0),
) -> datetime | None:
    """The moment ``text`` names, or None. A duration (3天, 2小时后) counts from ``base``
    (else now); a day without a time of day is at ``default_time``; a date without a year
    is the next such date (not one long past)."""
    tz = ZoneInfo(zone)
    words = _normal(text)
    local_now = now.astimezone(tz)
    if words in _NOW:
        return local_now.replace(second=0, microsecond=0)
    if match := _DURATION.match(words):
        return _after(match, (base or now).astimezone(tz))
    for word, days in _DAY_WORDS.items():
        if words.startswith(word):
            day = (local_now + timedelta(days=days)).date()
            return _at(day, words[len(word) :], default_time, tz)
    if match := _DATE.match(words):
        return _dated(match, local_now, default_time, tz)
    if words and (clock := time_of_day(words)) is not None:
        return datetime.combine(local_now.date(), time(*clock), tz)
    return None


def _after(match: re.Match[str], base: datetime) -> datetime | None:
    count_text, unit = match.group(1), _UNITS.get(match.group(2))
    if unit is None:
        return None
    count = zh_number(count_text)
    return (base + timedelta(**{unit: count})).replace(second=0, microsecond=0)


def _at(day: object, rest: str, default_time: time, tz: ZoneInfo) -> datetime | None:
    if not rest:
        clock = (default_time.hour, default_time.minute)
    elif (found := time_of_day(rest)) is not None:
        clock = found
    else:
        return None
    return datetime.combine(day, time(*clock), tz)  # type: ignore[arg-type]


def _dated(
    match: re.Match[str], local_now: datetime, default_time: time, tz: ZoneInfo
) -> datetime | None:
    year_text, month, day, rest = match.groups()
    year = int(year_text) if year_text else local_now.year
    try:
        found = _at(datetime(year, int(month), int(day)).date(), rest, default_time, tz)
    except ValueError:  # 2-30, 13-01
        return None
    if found is not None and not year_text and found < local_now - timedelta(days=1):
        found = found.replace(year=year + 1)
    return found
