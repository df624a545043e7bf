"""What an organiser schedules (公告时间): announcement cadences, their words, and pauses.

A competition's announcement schedule is a crontab line in its rules (``announce.cron``);
organisers rarely write cron, so :func:`parse_schedule` also reads 每天18点, 每周五下午5点,
工作日 17:30, 每小时, 每两小时, 8点到18点每小时, "daily 18:00", "fridays 5pm", "hourly" and
the presets' names. :func:`cadence` turns a
stored line back into something an edge can say in words. Paused schedules are rows of
``job_pause`` keyed like the scheduler's jobs (``announce:3``); the scheduler skips their runs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from storage.types import Clock, UTCDateTime, utcnow
from storage.upsert import upsert

# The jobs an organiser's settings make for a competition (the scheduler's JobKind values).
COMPETITION_KINDS = ("announce", "final", "remind")
# Jobs of the whole bot; only the operator (CLI) or a super-admin pauses them.
GLOBAL_JOBS = frozenset({"sync_statuses", "expire_attempts", "practice_push", "backup"})
PRESETS = ("daily_18", "friday_17", "end_only", "off")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-?]+$")
_WEEKDAYS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 0, "天": 0, "七": 0}
_EN_DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 0}
_ZH_NUMBERS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_OFF = {"off", "关", "关闭", "不公告", "停止", "取消公告", "none", "no"}
_END_ONLY = {
    "仅结束时",
    "结束时",
    "只在结束时",
    "仅在结束时",
    "end",
    "endonly",
    "attheend",
    "attheendonly",
    "onlyattheend",
    "final",
    "finalonly",
}
_WORKDAYS = ("工作日", "每个工作日", "周一至周五", "周一到周五", "weekdays", "everyweekday")
_WEEKEND = ("周末", "每个周末", "weekends", "everyweekend")
_ZH_DAY = re.compile(r"(?:每)?(?:个)?(?:周|星期|礼拜)([一二三四五六日天七1-7])")
_EN_DAY = re.compile(r"(?:every)?(mon|tue|wed|thu|fri|sat|sun)[a-z]*")
_CLOCK = re.compile(r"(\d{1,2})[:：](\d{2})(am|pm)?")
_ZH_HOUR = re.compile(r"([0-9]{1,2}|[零一二两三四五六七八九十]{1,3})[点时](半|[0-9]{1,2}分?)?")
_EN_HOUR = re.compile(r"(\d{1,2})(am|pm)")
_ZH_COUNT = r"[0-9]{1,2}|[一二两三四五六七八九十]{1,3}"
_HOURLY = re.compile(
    rf"(?:每隔?|every)(?P<n>{_ZH_COUNT})?个?(?:小时|钟头|hours?|hrs?)|(?P<word>hourly|整点)"
)
_HOURLY_MINUTE = re.compile(r"(?:小时|钟头|整点)的?(?P<m>[0-9]{1,2})分|:(?P<c>[0-9]{2})")
_WINDOW = re.compile(
    rf"(?P<a>{_ZH_COUNT})(?:[点时]|:00)?(?:到|至|-|~|–|—|to)(?P<b>{_ZH_COUNT})(?:[点时]|:00)?"
)
_HOURS_FIELD = re.compile(r"(?:\*|(?P<a>\d{1,2})-(?P<b>\d{1,2}))(?:/(?P<n>\d{1,2}))?")
_PM_WORDS = ("下午", "晚上", "傍晚", "晚")
_NOON_WORDS = ("中午",)


class JobPause(SQLModel, table=True):
    """A job paused by an organiser (``/schedules``) or the operator (``schedule pause``)."""

    __tablename__ = "job_pause"

    job_key: str = Field(primary_key=True, max_length=100)
    paused_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


@dataclass(frozen=True)
class ScheduleChoice:
    """When leaderboards go out: ``cron`` (None: no periodic ones) and the final results."""

    cron: str | None
    final_results: bool = True


@dataclass(frozen=True)
class Cadence:
    """A stored cron line as words: ``kind`` daily, weekly (``days`` 0 = Sunday), hourly
    (``every`` hours at minute ``time``, within the hours ``window`` when given) or cron."""

    kind: str
    time: str = ""
    days: tuple[int, ...] = ()
    cron: str = ""
    every: int = 0
    window: tuple[int, int] | None = None


def job_key(kind: str, competition_id: int) -> str:
    return f"{kind}:{competition_id}"


def preset(name: str) -> ScheduleChoice:
    """The 每天 18:00 / 每周五 17:00 / 仅结束时 / 关闭 buttons."""
    return {
        "daily_18": ScheduleChoice("0 18 * * *"),
        "friday_17": ScheduleChoice("0 17 * * 5"),
        "end_only": ScheduleChoice(None),
        "off": ScheduleChoice(None, final_results=False),
    }[name]


def parse_schedule(text: str) -> ScheduleChoice | None:
    """An organiser's words (or a crontab line) as a schedule; None if not understood."""
    raw = " ".join(unicodedata.normalize("NFKC", text).split())
    if len(raw.split()) == 5 and all(_CRON_FIELD.match(f) for f in raw.split()):
        return ScheduleChoice(raw)
    words = raw.lower().replace(" ", "")
    if words in _OFF:
        return preset("off")
    if words in _END_ONLY:
        return preset("end_only")
    days = _days(words)
    hourly = _hourly(words)
    if hourly is not None:
        return ScheduleChoice(f"{hourly} * * {days}")
    when = time_of_day(words)
    if when is None:
        return None
    hour, minute = when
    return ScheduleChoice(f"{minute} {hour} * * {days}")


@dataclass(frozen=True)
class ScheduleHint:
    """What was understood of words that made no schedule: the ``days`` named (crontab
    numbers, 0 = Sunday), and whether they asked for more than once an hour."""

    days: tuple[int, ...] = ()
    too_often: bool = False


_MINUTELY = re.compile(rf"(?:每隔?|every)(?:{_ZH_COUNT})?个?(?:分钟|分|minutes?|mins?)")


def schedule_hint(text: str) -> ScheduleHint:
    """What :func:`parse_schedule` could read of ``text`` although it made no schedule."""
    words = "".join(unicodedata.normalize("NFKC", text).lower().split())
    days = _days(words)
    named = () if days == "*" else tuple(sorted(_day_set(days) or ()))
    return ScheduleHint(days=named, too_often=bool(_MINUTELY.search(words)))


def _hourly(words: str) -> str | None:
    """The minute and hour fields of 每小时 / 每两小时 / 每隔3小时 / 8点到18点每小时 /
    every 2 hours / hourly (on the hour unless a minute is named); None if not hourly."""
    match = _HOURLY.search(words)
    if match is None:
        return None
    every = zh_number(match.group("n")) if match.group("n") else 1
    if not 1 <= every <= 12:
        return None
    found = _HOURLY_MINUTE.search(words)
    minute = int((found.group("m") or found.group("c")) if found else 0)
    window = _WINDOW.search(words)
    hours = "*"
    if window is not None:
        first, last = zh_number(window.group("a")), zh_number(window.group("b"))
        if (last < 12 and any(w in words for w in _PM_WORDS)) or last < first:
            last += 12
        if not 0 <= first < last <= 23:
            return None
        hours = f"{first}-{last}"
    if minute > 59:
        return None
    return f"{minute} {hours}/{every}" if every > 1 else f"{minute} {hours}"


def _days(words: str) -> str:
    if any(w in words for w in _WORKDAYS):
        return "1-5"
    if any(w in words for w in _WEEKEND):
        return "0,6"
    found = [_weekday(m.group(1)) for m in _ZH_DAY.finditer(words)]
    found += [_EN_DAYS[m.group(1)] for m in _EN_DAY.finditer(words) if m.group(1) in _EN_DAYS]
    if found:
        return ",".join(str(d) for d in sorted(set(found)))
    return "*"


def _weekday(token: str) -> int:
    return int(token) % 7 if token.isdigit() else _WEEKDAYS[token]


def time_of_day(words: str) -> tuple[int, int] | None:
    """(hour, minute) from 18:00, 下午5点, 8点半, 6pm, 5:30pm; None when no time is named."""
    pm = any(w in words for w in _PM_WORDS)
    noon = any(w in words for w in _NOON_WORDS)
    hour = minute = None
    if match := _CLOCK.search(words):
        hour, minute = int(match.group(1)), int(match.group(2))
        pm = pm or match.group(3) == "pm"
    elif match := _EN_HOUR.search(words):
        hour, minute, pm = int(match.group(1)), 0, match.group(2) == "pm"
    elif match := _ZH_HOUR.search(words):
        hour = zh_number(match.group(1))
        tail = match.group(2) or ""
        minute = 30 if tail == "半" else int(tail.rstrip("分") or 0)
    if hour is None or minute is None:
        return None
    if (pm and hour < 12) or (noon and hour < 6):
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return hour, minute


def zh_number(token: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20 (and digits as they are)."""
    if token.isdigit():
        return int(token)
    if token.startswith("十"):
        return 10 + (_ZH_NUMBERS.get(token[1:], 0) if len(token) > 1 else 0)
    if len(token) == 3 or (len(token) == 2 and token[1] == "十"):
        return _ZH_NUMBERS[token[0]] * 10 + (_ZH_NUMBERS[token[2]] if len(token) == 3 else 0)
    return _ZH_NUMBERS.get(token, 0)


def cadence(cron: str) -> Cadence:
    """``0 18 * * *`` → daily 18:00, ``0 17 * * 5`` → weekly on Friday, ``0 8-18/2 * * *``
    → hourly (every 2 hours from 8 to 18); anything else: cron."""
    fields = cron.split()
    if len(fields) != 5 or not fields[0].isdigit() or fields[2:4] != ["*", "*"]:
        return Cadence("cron", cron=cron)
    hourly = _HOURS_FIELD.fullmatch(fields[1])
    days = _day_set(fields[4])
    if hourly is not None and days is not None and int(fields[0]) < 60:
        window = (int(hourly["a"]), int(hourly["b"])) if hourly["a"] else None
        return Cadence(
            "hourly",
            time=f":{int(fields[0]):02d}",
            days=tuple(sorted(days, key=lambda d: (d == 0, d))) if len(days) < 7 else (),
            cron=cron,
            every=int(hourly["n"] or 1),
            window=window,
        )
    if not fields[1].isdigit():
        return Cadence("cron", cron=cron)
    time = f"{int(fields[1]):02d}:{int(fields[0]):02d}"
    days = _day_set(fields[4])
    if days is None:
        return Cadence("cron", cron=cron)
    if len(days) == 7:
        return Cadence("daily", time=time, cron=cron)
    return Cadence(
        "weekly", time=time, days=tuple(sorted(days, key=lambda d: (d == 0, d))), cron=cron
    )


def _day_set(field: str) -> set[int] | None:
    if field == "*":
        return set(range(7))
    days: set[int] = set()
    for part in field.split(","):
        bounds = part.split("-")
        if not all(b.isdigit() for b in bounds) or len(bounds) > 2:
            return None
        first, last = int(bounds[0]), int(bounds[-1])
        days.update(d % 7 for d in range(first, last + 1))
    return days


def _hour_runs(found: Cadence) -> set[int]:
    first, last = found.window or (0, 23)
    return set(range(first, last + 1, found.every or 1))


def next_time(found: Cadence, *, zone: str, after: datetime) -> datetime | None:
    """The next daily, weekly or hourly announcement after ``after`` (aware); None for
    other crons."""
    if found.kind == "hourly":
        local = after.astimezone(ZoneInfo(zone)).replace(minute=0, second=0, microsecond=0)
        minute, hours, days = int(found.time[1:]), _hour_runs(found), set(found.days or range(7))
        for offset in range(8 * 24 + 1):
            at = (local + timedelta(hours=offset)).replace(minute=minute)
            if at > after and at.hour in hours and at.isoweekday() % 7 in days:
                return at
        return None
    if found.kind not in ("daily", "weekly"):
        return None
    hour, minute = (int(p) for p in found.time.split(":"))
    local = after.astimezone(ZoneInfo(zone))
    days = set(range(7)) if found.kind == "daily" else set(found.days)
    for offset in range(8):
        day = local + timedelta(days=offset)
        at = day.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if at > local and (at.isoweekday() % 7) in days:
            return at
    return None


async def paused_keys(session: AsyncSession) -> set[str]:
    return set((await session.execute(select(col(JobPause.job_key)))).scalars())


async def pause(session: AsyncSession, *, key: str, clock: Clock = utcnow) -> bool:
    """Pause ``key``; False if it was paused already."""
    already = await session.get(JobPause, key) is not None
    if not already:
        await upsert(
            session, JobPause, keys={"job_key": key}, values={"paused_at": clock()}, update=False
        )
    await session.flush()
    return not already


async def resume(session: AsyncSession, *, key: str) -> bool:
    """Resume ``key``; False if it was not paused."""
    result = await session.execute(delete(JobPause).where(col(JobPause.job_key) == key))
    await session.flush()
    return bool(result.rowcount)  # type: ignore[attr-defined]
