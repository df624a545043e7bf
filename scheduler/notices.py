"""Short notices: competition open/close to bound chats, daily reminders, the practice push."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.models import Attempt, AttemptKind, AttemptStatus, Competition, Worker
from i18n import t
from scheduler.context import Apply, JobContext, local_time, run_stamp
from scheduler.jobs import Job, JobKind
from scheduler.outbox import enqueue
from scheduler.targets import bound_chats


async def prepare_chat_notice(ctx: JobContext, job: Job, when: datetime) -> Apply | None:
    """open/close: one text to every chat bound to the competition."""
    async with ctx.session_factory() as session:
        competition = await session.get(Competition, job.competition_id)
        if competition is None:
            return None
        name = html.escape(competition.name)
        end = local_time(competition.ends_at, competition.timezone)
    key = "open" if job.kind is JobKind.OPEN else "close"
    text = t(f"scheduler.notice.{key}", ctx.lang, name=name, end=end)

    async def apply(session: AsyncSession) -> str:
        chats = await bound_chats(session, competition_id=competition.id)
        for chat_id in chats:
            dedup = f"{job.key}:{run_stamp(when)}:{chat_id}"
            await enqueue(session, dedup_key=dedup, chat_id=chat_id, text=text, clock=ctx.clock)
        return f"queued:{len(chats)}"

    return apply


def _reachable_workers() -> Select[tuple[Worker]]:
    return select(Worker).where(
        Worker.telegram_id.is_not(None), Worker.active.is_(True), Worker.registered_at.is_not(None)
    )


async def prepare_reminder(ctx: JobContext, job: Job, when: datetime) -> Apply | None:
    """Registered, unmuted workers who have not finished an attempt; at most one a day."""

    async def apply(session: AsyncSession) -> str:
        competition = await session.get(Competition, job.competition_id)
        if competition is None:
            return "gone"
        today = when.astimezone(ZoneInfo(competition.timezone)).date()
        finished = exists().where(
            Attempt.worker_id == Worker.id,
            Attempt.competition_id == competition.id,
            Attempt.kind == AttemptKind.COMPETITION,
            Attempt.status == AttemptStatus.FINISHED,
        )
        query = _reachable_workers().where(
            Worker.muted.is_(False),
            ~finished,
            or_(Worker.last_reminded_on.is_(None), Worker.last_reminded_on != today),
        )
        workers = list((await session.execute(query)).scalars())
        end = local_time(competition.ends_at, competition.timezone)
        for worker in workers:
            text = t(
                "scheduler.notice.remind",
                worker.language,
                name=html.escape(competition.name),
                end=end,
            )
            await enqueue(
                session,
                dedup_key=f"remind:{today}:{worker.id}",
                chat_id=worker.telegram_id,
                text=text,
                clock=ctx.clock,
            )
            worker.last_reminded_on = today
        await session.flush()
        return f"queued:{len(workers)}"

    return apply


async def prepare_practice_push(ctx: JobContext, job: Job, when: datetime) -> Apply | None:
    """The opt-in daily practice invitation."""

    async def apply(session: AsyncSession) -> str:
        day = when.astimezone(ZoneInfo(job.timezone)).date()
        query = _reachable_workers().where(Worker.practice_push.is_(True))
        workers = list((await session.execute(query)).scalars())
        for worker in workers:
            await enqueue(
                session,
                dedup_key=f"practice:{day}:{worker.id}",
                chat_id=worker.telegram_id,
                text=t("scheduler.notice.practice", worker.language),
                clock=ctx.clock,
            )
        return f"queued:{len(workers)}"

    return apply
