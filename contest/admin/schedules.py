"""Organiser actions on what they scheduled: the list (/schedules), pause and resume.

An organiser sees their competitions' leaderboard announcements, final results and daily
reminders — never the bot's own housekeeping (``sync_statuses``, ``expire_attempts``), which
only the operator pauses (``python main.py schedule pause``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contest.admin.audit import outcome, perform
from contest.admin.competitions import managed_competitions
from contest.admin.policy import Actor, Need
from contest.competitions import require_competition
from contest.errors import ContestError
from contest.models import Competition, CompetitionStatus
from contest.rules import load_rules
from contest.schedules import (
    COMPETITION_KINDS,
    GLOBAL_JOBS,
    Cadence,
    cadence,
    job_key,
    next_time,
    pause,
    paused_keys,
    resume,
)
from storage.ids import id_of
from storage.types import Clock

SCHEDULED = (CompetitionStatus.SCHEDULED, CompetitionStatus.OPEN)


@dataclass(frozen=True)
class ScheduleEntry:
    """One thing an organiser scheduled: ``kind`` announce, final or remind."""

    competition: Competition
    kind: str
    key: str
    cadence: Cadence | None  # announce and remind repeat; final happens once
    next_at: datetime | None
    paused: bool


def _entries(competition: Competition, paused: set[str], now: datetime) -> list[ScheduleEntry]:
    assert competition.id is not None
    rules = load_rules(competition.rules).announce
    zone, end, after = competition.timezone, competition.ends_at, max(now, competition.starts_at)
    found: list[tuple[str, Cadence | None, datetime | None]] = []
    if rules.cron:
        repeat = cadence(rules.cron)
        found.append(("announce", repeat, next_time(repeat, zone=zone, after=after)))
    if rules.final_results:
        found.append(("final", None, end))
    if rules.reminders:
        daily = Cadence("daily", time=rules.reminder_time)
        found.append(("remind", daily, next_time(daily, zone=zone, after=after)))
    return [
        ScheduleEntry(
            competition,
            kind,
            job_key(kind, competition.id),
            repeat,
            at if at is not None and at < end else None,
            job_key(kind, competition.id) in paused,
        )
        for kind, repeat, at in found
    ]


async def organiser_schedules(
    session: AsyncSession, *, actor: Actor, clock: Clock
) -> list[ScheduleEntry]:
    """Everything scheduled for the competitions ``actor`` organises that have not ended."""
    competitions = await managed_competitions(
        session, actor=actor, action="schedule.list", statuses=SCHEDULED, clock=clock
    )
    paused, now = await paused_keys(session), clock()
    entries: list[ScheduleEntry] = []
    for competition in sorted(competitions, key=lambda c: id_of(c)):
        entries += _entries(competition, paused, now)
    return entries


def _parse_key(key: str) -> tuple[int | None, Need | None]:
    """The competition a key is of (None for the bot's own jobs), and the need to change it."""
    if key in GLOBAL_JOBS:
        return None, Need.SUPER
    kind, _, number = key.partition(":")
    if kind in COMPETITION_KINDS and number.isdigit():
        return int(number), None
    raise ContestError("unknown_schedule", key=key)


async def _toggle(
    session: AsyncSession, actor: Actor, action: str, key: str, clock: Clock, paused: bool
) -> bool:
    competition_id, need = _parse_key(key)

    async def work() -> bool:
        if competition_id is not None:
            await require_competition(session, competition_id=competition_id)
        if paused:
            return await pause(session, key=key, clock=clock)
        return await resume(session, key=key)

    return await perform(
        session,
        actor,
        action,
        work,
        competition_id=competition_id,
        need=need,
        detail={"key": key},
        describe=outcome,
        clock=clock,
    )


async def pause_schedule(session: AsyncSession, *, actor: Actor, key: str, clock: Clock) -> bool:
    """Skip ``key``'s runs until resumed (they are not caught up); False if already paused."""
    return await _toggle(session, actor, "schedule.pause", key, clock, paused=True)


async def resume_schedule(session: AsyncSession, *, actor: Actor, key: str, clock: Clock) -> bool:
    """Run ``key`` again; False if it was not paused."""
    return await _toggle(session, actor, "schedule.resume", key, clock, paused=False)
