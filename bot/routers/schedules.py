"""Router: /schedules (organisers: the jobs, next run, paused), /mute, /unmute, /practice_push."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.admin_common import OrganiserFilter, refuse
from bot.errors import Registered
from config import Settings
from contest.models import Worker
from i18n import t
from scheduler.context import local_time
from scheduler.jobs import JobInfo, list_jobs
from scheduler.targets import set_muted, set_practice_push
from storage.types import Clock

router = Router(name=__name__)
MAX_LINES = 40  # stays within one message (4096 characters); the CLI lists everything


def job_lines(jobs: list[JobInfo], lang: str) -> list[str]:
    lines = []
    for job in jobs[:MAX_LINES]:
        tick = job.schedule == "tick"
        schedule = t("scheduler.jobs.every_tick", lang) if tick else job.schedule
        if job.next_run is not None:
            upcoming = local_time(job.next_run, job.timezone)
        else:
            upcoming = t("scheduler.jobs.every_tick" if tick else "scheduler.jobs.no_next", lang)
        state = t("scheduler.jobs.paused" if job.paused else "scheduler.jobs.active", lang)
        lines.append(
            t(
                "scheduler.jobs.line",
                lang,
                state=state,
                key=job.key,
                schedule=schedule,
                next=upcoming,
            )
        )
    return lines


@router.message(Command("schedules"), OrganiserFilter())
async def on_schedules(
    message: Message, session: AsyncSession, settings: Settings, lang: str, clock: Clock
) -> None:
    jobs = await list_jobs(session, settings=settings, clock=clock)
    header = t("scheduler.jobs.title", lang, tz=settings.timezone)
    body = job_lines(jobs, lang) or [t("scheduler.jobs.empty", lang)]
    await message.answer("\n".join([header, *body, "", t("scheduler.jobs.hint", lang)]))


@router.message(Command("mute", "unmute"), Registered())
async def on_mute(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    worker: Worker,
    lang: str,
) -> None:
    assert worker.id is not None
    muted = command.command == "mute"
    await set_muted(session, worker_id=worker.id, muted=muted)
    await message.answer(t("scheduler.prefs.muted" if muted else "scheduler.prefs.unmuted", lang))


@router.message(Command("practice_push"), Registered())
async def on_practice_push(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    worker: Worker,
    lang: str,
) -> None:
    assert worker.id is not None
    choice = (command.args or "").strip().lower()
    if choice not in {"on", "off", "开", "关"}:
        await message.answer(t("scheduler.prefs.practice_usage", lang))
        return
    enabled = choice in {"on", "开"}
    await set_practice_push(session, worker_id=worker.id, enabled=enabled)
    await message.answer(
        t("scheduler.prefs.practice_on" if enabled else "scheduler.prefs.practice_off", lang)
    )


@router.message(Command("schedules"))
async def refuse_schedules(
    message: Message, session: AsyncSession, lang: str, clock: Clock
) -> None:
    """Anyone but an organiser: the same polite, audited refusal as every admin command."""
    await refuse(message, session, lang=lang, clock=clock)
