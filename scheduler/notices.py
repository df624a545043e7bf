"""Short notices: competition open/close to bound chats, daily reminders, the practice push."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.models import Attempt, AttemptKind, AttemptStatus, Competition, Worker
from contest.outbox import enqueue
from contest.robots import PLATFORMS, TELEGRAM, bound_targets, dedup_suffix
from contest.web_access import roster_login_enabled
from i18n import t
from scheduler.context import Apply, JobContext, local_time, run_stamp
from scheduler.jobs import Job, JobKind
from scheduler.join_links import how_to_join, join_button
from storage.ids import id_of
from storage.types import Clock


async def prepare_chat_notice(ctx: JobContext, job: Job, when: datetime) -> Apply | None:
    """open/close: one text to every chat bound to the competition."""
    async with ctx.session_factory() as session:
        competition = await session.get(Competition, job.competition_id)
        if competition is None:
            return None
        competition_id = competition.id
        assert competition_id is not None
        name = html.escape(competition.name)
        end = local_time(competition.ends_at, competition.timezone)
    key = "open" if job.kind is JobKind.OPEN else "close"
    results = _results_url(ctx, competition_id) if key == "close" else None

    async def apply(session: AsyncSession) -> str:
        chats = await bound_targets(session, competition_id=competition_id)  # groups and robots
        roster = await roster_login_enabled(session, competition_id=competition_id)
        for target in chats:
            text = t(f"scheduler.notice.{key}", target.language, name=name, end=end)
            if key == "open" and target.channel in PLATFORMS:  # nobody messages a robot
                line, _ = how_to_join(
                    ctx.settings,
                    channel=target.channel,
                    competition_id=competition_id,
                    lang=target.language,
                    roster=roster,
                )
                text = t("robotlink.open", target.language, name=name, end=end)
                text = f"{text}\n{line}" if line else text
            if results is not None and target.channel in PLATFORMS:
                # A group robot's members may have no chat with us: the link is how a
                # browser worker finds their place, review and certificate.
                label = t("web.robot.results_link", target.language)
                text += f'\n<a href="{html.escape(results)}">{label}</a>'
            dedup = f"{job.key}:{run_stamp(when)}:{dedup_suffix(target)}"
            button = key == "open" and target.channel == TELEGRAM
            await enqueue(
                session,
                dedup_key=dedup,
                chat_id=target.chat_id,
                channel=target.channel,
                text=text,
                clock=ctx.clock,
                buttons=join_button(competition_id, target.language) if button else None,
            )
        return f"queued:{len(chats)}"

    return apply


def _results_url(ctx: JobContext, competition_id: int) -> str | None:
    """Where a browser worker reads their own result (None without a public address)."""
    public = ctx.settings.web_public_url
    return f"{public.rstrip('/')}/quiz/results/{competition_id}" if public else None


def _reachable_workers() -> Select[tuple[Worker]]:
    return select(Worker).where(
        col(Worker.telegram_id).is_not(None),
        col(Worker.active).is_(True),
        col(Worker.registered_at).is_not(None),
    )


async def prepare_reminder(ctx: JobContext, job: Job, when: datetime) -> Apply | None:
    """Registered, unmuted workers who have not finished an attempt; at most one a day."""

    async def apply(session: AsyncSession) -> str:
        competition = await session.get(Competition, job.competition_id)
        if competition is None:
            return "gone"
        today = when.astimezone(ZoneInfo(competition.timezone)).date()
        finished = exists().where(
            col(Attempt.worker_id) == col(Worker.id),
            col(Attempt.competition_id) == competition.id,
            col(Attempt.kind) == AttemptKind.COMPETITION,
            col(Attempt.status) == AttemptStatus.FINISHED,
        )
        query = _reachable_workers().where(
            col(Worker.muted).is_(False),
            ~finished,
            or_(col(Worker.last_reminded_on).is_(None), col(Worker.last_reminded_on) != today),
        )
        workers = list((await session.execute(query)).scalars())
        end = local_time(competition.ends_at, competition.timezone)
        for worker in workers:
            assert worker.telegram_id is not None  # _reachable_workers filters NULL
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
        robots = await _remind_robots(session, competition, job=job, when=when, clock=ctx.clock)
        await session.flush()
        return f"queued:{len(workers) + robots}"

    return apply


async def _remind_robots(
    session: AsyncSession, competition: Competition, *, job: Job, when: datetime, clock: Clock
) -> int:
    """The day's reminder to the competition's group robots (a WeCom group has no private
    chats to remind people in): one message per robot per day."""
    targets = [
        target
        for target in await bound_targets(session, competition_id=id_of(competition))
        if target.channel in PLATFORMS
    ]
    end = local_time(competition.ends_at, competition.timezone)
    for target in targets:
        text = t("web.robot.remind", target.language, name=html.escape(competition.name), end=end)
        dedup = f"{job.key}:{run_stamp(when)}:{dedup_suffix(target)}"
        await enqueue(
            session,
            dedup_key=dedup,
            chat_id=target.chat_id,
            channel=target.channel,
            text=text,
            clock=clock,
        )
    return len(targets)


async def prepare_practice_push(ctx: JobContext, job: Job, when: datetime) -> Apply | None:
    """The opt-in daily practice invitation."""

    async def apply(session: AsyncSession) -> str:
        day = when.astimezone(ZoneInfo(job.timezone)).date()
        query = _reachable_workers().where(col(Worker.practice_push).is_(True))
        workers = list((await session.execute(query)).scalars())
        for worker in workers:
            assert worker.telegram_id is not None  # _reachable_workers filters NULL
            await enqueue(
                session,
                dedup_key=f"practice:{day}:{worker.id}",
                chat_id=worker.telegram_id,
                text=t("scheduler.notice.practice", worker.language),
                clock=ctx.clock,
            )
        return f"queued:{len(workers)}"

    return apply
