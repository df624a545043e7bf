"""Scheduled jobs, derived from the competitions on every tick (they stay the one source of truth).

Nothing about a schedule is stored but its effects: a ``JobRun`` row per (job, fire time)
records that a run happened, and a ``JobPause`` row that an organiser paused a job. Each
tick re-derives the jobs, so editing a competition's cron or dates moves its jobs and
deleting it removes them. APScheduler's triggers compute the fire times (``CronTrigger`` in
the competition's time zone); the run records give what its job store would: a schedule that
survives restarts, and a run missed while the process was down fires once on start-up within
``scheduler_grace_seconds``, never twice (the ``JobRun`` primary key is the guard).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from config import Settings
from contest.models import Competition, CompetitionStatus
from contest.rules import CompetitionRules, daily_cron, load_rules
from contest.schedules import paused_keys
from scheduler.context import local_time
from scheduler.models import JobRun
from storage.types import Clock, utcnow
from storage.upsert import upsert

logger = logging.getLogger(__name__)

LONGEST_PLAYOFF = timedelta(minutes=1440)  # ties.playoff_minutes at most: results follow it
MAX_CATCH_UP = 10_000  # fire times walked when looking for the latest missed run
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_DOW_PART = re.compile(r"^(\*|\d+)(?:-(\d+))?(?:/(\d+))?$")


class JobKind(StrEnum):
    ANNOUNCE = "announce"  # leaderboard to the bound chats, on the competition's cron
    OPEN = "open"  # "the competition has started" notice, at starts_at
    CLOSE = "close"  # "the competition has ended" notice, at ends_at
    FINAL = "final"  # final results to the bound chats, at ends_at (after a play-off)
    RESULTS = "results"  # each participant's own result, review and pictures, with FINAL
    PLAYOFF = "playoff"  # invitations to the 加赛 of workers tied at the top, at ends_at
    REMIND = "remind"  # daily reminder to registered workers who have not finished
    PRACTICE_PUSH = "practice_push"  # daily practice invitation (opt-in)
    SYNC_STATUSES = "sync_statuses"  # every tick: open/close competitions by time
    EXPIRE_ATTEMPTS = "expire_attempts"  # every tick: finish overdue attempts
    BACKUP = "backup"  # daily database backup at BACKUP_TIME, when BACKUP_DIR is set


@dataclass(frozen=True)
class Job:
    """One job; ``trigger`` None means it runs on every tick and keeps no run records."""

    key: str
    kind: JobKind
    trigger: BaseTrigger | None
    timezone: str
    schedule: str  # what a person reads: the cron expression, a time, or "tick"
    competition_id: int | None = None


@dataclass(frozen=True)
class JobInfo:
    """A job as listed by ``/schedules`` and ``schedule list``; ``next_run`` is aware UTC."""

    key: str
    kind: JobKind
    schedule: str
    timezone: str
    next_run: datetime | None
    paused: bool
    competition_id: int | None = None


def crontab_dow(field: str) -> str:
    """A crontab day-of-week field (0 or 7 = Sunday) in APScheduler 3's names.

    APScheduler 3 counts 0 as Monday (its issue 286), so ``1-5`` would mean Tue–Sat; names
    are unambiguous.
    """
    days: set[int] = set()
    for part in field.lower().split(","):
        match = _DOW_PART.match(part)
        if match is None:
            return field  # already names (mon-fri) or something CronTrigger will reject
        start, end, step = match.groups()
        first = 0 if start == "*" else int(start)
        last = 6 if start == "*" else int(end if end is not None else start)
        if step is not None and end is None and start != "*":
            last = 7
        days.update(d % 7 for d in range(first, last + 1, int(step or 1)))
    if days == set(range(7)):
        return "*"
    return ",".join(_DAYS[d] for d in sorted(days))


def crontab_trigger(
    expr: str, *, timezone: str, start: datetime | None = None, end: datetime | None = None
) -> CronTrigger:
    """A CronTrigger from a standard 5-field crontab line, read in ``timezone``."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"cron needs 5 fields, got {expr!r}")
    fields[4] = crontab_dow(fields[4])
    trigger = CronTrigger.from_crontab(" ".join(fields), timezone=ZoneInfo(timezone))
    # from_crontab takes no bounds; set them on the trigger it built.
    trigger.start_date = start.astimezone(trigger.timezone) if start else None
    trigger.end_date = end.astimezone(trigger.timezone) if end else None
    return trigger


def _competition_jobs(competition: Competition, rules: CompetitionRules) -> list[Job]:
    cid, tz = competition.id, competition.timezone
    start, end = competition.starts_at, competition.ends_at
    jobs = [
        Job(f"open:{cid}", JobKind.OPEN, DateTrigger(start), tz, _at(start, tz), cid),
        Job(f"close:{cid}", JobKind.CLOSE, DateTrigger(end), tz, _at(end, tz), cid),
    ]
    final = results_time(competition, rules)
    if rules.ties.playoff_places:
        jobs.append(Job(f"playoff:{cid}", JobKind.PLAYOFF, DateTrigger(end), tz, _at(end, tz), cid))
    if rules.announce.final_results:
        jobs.append(Job(f"final:{cid}", JobKind.FINAL, DateTrigger(final), tz, _at(final, tz), cid))
    if rules.results.notify:
        jobs.append(
            Job(f"results:{cid}", JobKind.RESULTS, DateTrigger(final), tz, _at(final, tz), cid)
        )
    if rules.announce.cron:
        trigger = crontab_trigger(rules.announce.cron, timezone=tz, start=start, end=end)
        jobs.append(Job(f"announce:{cid}", JobKind.ANNOUNCE, trigger, tz, rules.announce.cron, cid))
    if rules.announce.reminders:  # default 12:00, the lunch break, competition time zone
        cron = daily_cron(rules.announce.reminder_time)
        trigger = crontab_trigger(cron, timezone=tz, start=start, end=end)
        jobs.append(Job(f"remind:{cid}", JobKind.REMIND, trigger, tz, cron, cid))
    return jobs


def results_time(competition: Competition, rules: CompetitionRules) -> datetime:
    """When final results go out: at the close, or when its play-off (加赛) window ends."""
    if rules.ties.playoff_places:
        return competition.ends_at + timedelta(minutes=rules.ties.playoff_minutes)
    return competition.ends_at


def _at(when: datetime, tz: str) -> str:
    return local_time(when, tz)


def global_jobs(settings: Settings) -> list[Job]:
    tz = settings.timezone
    practice_cron = daily_cron(settings.practice_push_time)
    practice = crontab_trigger(practice_cron, timezone=tz)
    jobs = [
        Job("sync_statuses", JobKind.SYNC_STATUSES, None, tz, "tick"),
        Job("expire_attempts", JobKind.EXPIRE_ATTEMPTS, None, tz, "tick"),
        Job("practice_push", JobKind.PRACTICE_PUSH, practice, tz, practice_cron),
    ]
    if settings.backup_dir is not None:
        backup_cron = daily_cron(settings.backup_time)
        backup = crontab_trigger(backup_cron, timezone=tz)
        jobs.append(Job("backup", JobKind.BACKUP, backup, tz, backup_cron))
    return jobs


async def derive_jobs(
    session: AsyncSession, *, settings: Settings, clock: Clock = utcnow
) -> list[Job]:
    """Every job as the competitions say now: drafts and archived ones have none, and a
    closed one keeps its jobs only while its last one (the results, after a play-off
    window) is within the grace period."""
    horizon = clock() - timedelta(seconds=settings.scheduler_grace_seconds)
    live = (CompetitionStatus.SCHEDULED, CompetitionStatus.OPEN, CompetitionStatus.CLOSED)
    query = (
        select(Competition)
        .where(
            col(Competition.status).in_(live),
            col(Competition.ends_at) >= horizon - LONGEST_PLAYOFF,
        )
        .order_by(col(Competition.id))
    )
    jobs = global_jobs(settings)
    for competition in (await session.execute(query)).scalars():
        try:
            rules = load_rules(competition.rules)
            if results_time(competition, rules) < horizon:  # its last job is long past
                continue
            jobs.extend(_competition_jobs(competition, rules))
        except (ValueError, KeyError) as exc:  # a bad zone or cron must not stop the others
            logger.error("competition %s has no jobs: %s", competition.id, exc)
    return jobs


def due_run(job: Job, *, now: datetime, grace: timedelta) -> datetime | None:
    """The latest fire time in [now - grace, now] (missed runs coalesce into one), in UTC."""
    if job.trigger is None:
        return None
    latest = None
    fire = job.trigger.get_next_fire_time(None, now - grace)
    for _ in range(MAX_CATCH_UP):
        if fire is None or fire > now or fire < now - grace:
            break
        latest = fire
        fire = job.trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return latest.astimezone(UTC) if latest is not None else None


def next_run(job: Job, *, now: datetime) -> datetime | None:
    """The next fire time after ``now`` in UTC (None: every tick, or already past)."""
    if job.trigger is None:
        return None
    fire = job.trigger.get_next_fire_time(None, now)
    return fire.astimezone(UTC) if fire is not None and fire >= now else None


async def list_jobs(
    session: AsyncSession, *, settings: Settings, clock: Clock = utcnow
) -> list[JobInfo]:
    """The jobs with their next run and paused state, soonest first; tick jobs first."""
    now, paused = clock(), await paused_keys(session)
    infos = [
        JobInfo(
            key=job.key,
            kind=job.kind,
            schedule=job.schedule,
            timezone=job.timezone,
            next_run=next_run(job, now=now),
            paused=job.key in paused,
            competition_id=job.competition_id,
        )
        for job in await derive_jobs(session, settings=settings, clock=clock)
    ]
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(infos, key=lambda i: (i.schedule != "tick", i.next_run or far, i.key))


async def run_recorded(session: AsyncSession, *, job_key: str, scheduled_for: datetime) -> bool:
    run = await session.get(JobRun, (job_key, scheduled_for))
    return run is not None


async def claim_run(
    session: AsyncSession, *, job_key: str, scheduled_for: datetime, clock: Clock
) -> bool:
    """Record a run; False if it was recorded before (another runner, an earlier tick).

    Call in the transaction that does the run's work, so the record and the work commit
    together; a concurrent claim waits for ours and then finds the key taken.
    """
    keys = {"job_key": job_key, "scheduled_for": scheduled_for}
    values = {"started_at": clock(), "outcome": "running"}
    return bool(await upsert(session, JobRun, keys=keys, values=values, update=False))


async def finish_run(
    session: AsyncSession, *, job_key: str, scheduled_for: datetime, outcome: str, clock: Clock
) -> None:
    """Record how a claimed run ended (same transaction as the claim; does not commit)."""
    run = await session.get(JobRun, (job_key, scheduled_for))
    if run is not None:
        run.outcome, run.finished_at = outcome[:20], clock()
        await session.flush()
