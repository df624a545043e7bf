"""Firing jobs: every-tick maintenance, and due runs recorded exactly once in ``JobRun``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from contest.attempts import expire_overdue
from contest.competitions import sync_statuses
from contest.schedules import paused_keys
from ops.metrics import count_job_run
from scheduler.announce import prepare_announcement
from scheduler.backup_job import prepare_backup
from scheduler.context import Apply, JobContext
from scheduler.jobs import (
    Job,
    JobKind,
    claim_run,
    derive_jobs,
    due_run,
    finish_run,
    run_recorded,
)
from scheduler.notices import prepare_chat_notice, prepare_practice_push, prepare_reminder
from scheduler.playoff import prepare_playoff
from scheduler.results import prepare_results

logger = logging.getLogger(__name__)

Prepare = Callable[[JobContext, Job, datetime], Awaitable[Apply | None]]
PREPARERS: dict[JobKind, Prepare] = {
    JobKind.ANNOUNCE: prepare_announcement,
    JobKind.FINAL: prepare_announcement,
    JobKind.RESULTS: prepare_results,
    JobKind.PLAYOFF: prepare_playoff,
    JobKind.OPEN: prepare_chat_notice,
    JobKind.CLOSE: prepare_chat_notice,
    JobKind.REMIND: prepare_reminder,
    JobKind.PRACTICE_PUSH: prepare_practice_push,
    JobKind.BACKUP: prepare_backup,
}
# Every-tick maintenance from the contest core, each called with (session, clock=...).
MAINTENANCE: dict[JobKind, Callable[..., Awaitable[Any]]] = {
    JobKind.SYNC_STATUSES: sync_statuses,
    JobKind.EXPIRE_ATTEMPTS: expire_overdue,
}


@dataclass(frozen=True)
class Fired:
    key: str
    scheduled_for: datetime
    outcome: str


async def run_maintenance(ctx: JobContext) -> None:
    """sync_statuses then expire_attempts (unless paused), each in its own transaction."""
    async with ctx.session_factory() as session:
        paused = await paused_keys(session)
    for kind in (JobKind.SYNC_STATUSES, JobKind.EXPIRE_ATTEMPTS):
        if kind.value in paused:
            continue
        function = MAINTENANCE[kind]
        async with ctx.session_factory() as session:
            try:
                await function(session, clock=ctx.clock)
                await session.commit()
            except Exception:
                logger.exception("%s failed", kind.value)
                await session.rollback()


async def run_due_jobs(ctx: JobContext) -> list[Fired]:
    """Fire every job whose latest fire time within the grace period has not run yet."""
    now = ctx.clock()
    grace = timedelta(seconds=ctx.settings.scheduler_grace_seconds)
    async with ctx.session_factory() as session:
        jobs = await derive_jobs(session, settings=ctx.settings, clock=ctx.clock)
        paused = await paused_keys(session)
        due = []
        for job in jobs:
            when = due_run(job, now=now, grace=grace)
            if when is not None and not await run_recorded(
                session, job_key=job.key, scheduled_for=when
            ):
                due.append((job, when))
    fired = []
    for job, when in due:
        outcome = await fire(ctx, job, when, paused=job.key in paused)
        if outcome is not None:
            count_job_run(job.kind.value, outcome, late_by=(now - when).total_seconds())
            fired.append(Fired(job.key, when, outcome))
    return fired


async def fire(ctx: JobContext, job: Job, when: datetime, *, paused: bool = False) -> str | None:
    """Run ``job`` for ``when`` once; None if that run was already recorded elsewhere.

    A paused job's run is recorded as ``paused`` (skipped, not caught up on resume). A run
    that raises is recorded as ``error``: runs are at most once, the log says what failed.
    """
    try:
        apply = None if paused else await PREPARERS[job.kind](ctx, job, when)
    except Exception:
        logger.exception("preparing %s for %s failed", job.key, when)
        return await _record(ctx, job, when, "error")
    async with ctx.session_factory() as session:
        if not await claim_run(session, job_key=job.key, scheduled_for=when, clock=ctx.clock):
            await session.rollback()
            return None
        try:
            outcome = "paused" if paused else (await apply(session) if apply else "skipped")
        except Exception:
            logger.exception("running %s for %s failed", job.key, when)
            await session.rollback()
            return await _record(ctx, job, when, "error")
        await finish_run(
            session, job_key=job.key, scheduled_for=when, outcome=outcome, clock=ctx.clock
        )
        await session.commit()
    logger.info("job %s for %s: %s", job.key, when.isoformat(), outcome)
    return outcome


async def _record(ctx: JobContext, job: Job, when: datetime, outcome: str) -> str | None:
    async with ctx.session_factory() as session:
        if not await claim_run(session, job_key=job.key, scheduled_for=when, clock=ctx.clock):
            await session.rollback()
            return None
        await finish_run(
            session, job_key=job.key, scheduled_for=when, outcome=outcome, clock=ctx.clock
        )
        await session.commit()
    return outcome
