"""Organiser actions on competitions: create, open, close, archive, times, announcement
schedule; which competitions an organiser may pick; participation per team (/stats)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contest import competitions as core
from contest.admin.audit import authorize, perform
from contest.admin.policy import Actor, Need, managed_ids
from contest.models import Competition, CompetitionStatus
from contest.organisers import list_organisers
from contest.participation import TeamParticipation, participation_by_team
from contest.schedules import ScheduleChoice
from storage.ids import id_of
from storage.types import Clock

Lifecycle = Callable[..., Awaitable[Competition]]
LIVE = frozenset({CompetitionStatus.DRAFT, CompetitionStatus.SCHEDULED, CompetitionStatus.OPEN})


def _created(competition: Competition) -> tuple[str, dict[str, Any]]:
    return "ok", {"competition_id": competition.id, "name": competition.name}


async def create_competition(
    session: AsyncSession,
    *,
    actor: Actor,
    clock: Clock,
    data: Mapping[str, Any] | None = None,
    yaml_text: str | None = None,
) -> Competition:
    """A new competition from a definition mapping (the dialog, an .xlsx) or YAML text."""
    by = actor.label

    async def work() -> Competition:
        if yaml_text is not None:
            return await core.create_competition_from_yaml(
                session, text=yaml_text, created_by=by, clock=clock
            )
        return await core.create_competition(
            session, data=dict(data or {}), created_by=by, clock=clock
        )

    return await perform(session, actor, "competition.create", work, describe=_created, clock=clock)


async def _change(
    session: AsyncSession,
    actor: Actor,
    action: str,
    call: Lifecycle,
    competition_id: int,
    clock: Clock,
    *,
    detail: dict[str, Any] | None = None,
    **change: Any,
) -> Competition:
    """One audited change of a competition: ``call`` (a core function taking the
    competition id, the clock and ``change``) as ``action``, ``detail`` in the audit row."""

    async def work() -> Competition:
        return await call(session, competition_id=competition_id, clock=clock, **change)

    return await perform(
        session, actor, action, work, detail=detail, competition_id=competition_id, clock=clock
    )


async def open_competition(
    session: AsyncSession, *, actor: Actor, competition_id: int, clock: Clock
) -> Competition:
    """Open now (early if before its start)."""
    return await _change(
        session, actor, "competition.open", core.open_competition, competition_id, clock
    )


async def close_competition(
    session: AsyncSession, *, actor: Actor, competition_id: int, clock: Clock
) -> Competition:
    """Close now; no answer counts afterwards."""
    return await _change(
        session, actor, "competition.close", core.close_competition, competition_id, clock
    )


async def archive_competition(
    session: AsyncSession, *, actor: Actor, competition_id: int, clock: Clock
) -> Competition:
    return await _change(
        session, actor, "competition.archive", core.archive_competition, competition_id, clock
    )


async def set_times(
    session: AsyncSession,
    *,
    actor: Actor,
    competition_id: int,
    starts_at: datetime,
    ends_at: datetime,
    clock: Clock,
) -> Competition:
    """New start and end (aware datetimes)."""
    detail = {"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()}
    times = {"starts_at": starts_at, "ends_at": ends_at}
    action, call = "competition.set_times", core.update_competition
    return await _change(
        session, actor, action, call, competition_id, clock, detail=detail, **times
    )


async def set_schedule(
    session: AsyncSession,
    *,
    actor: Actor,
    competition_id: int,
    choice: ScheduleChoice,
    clock: Clock,
) -> Competition:
    """When leaderboards are announced (a preset, 每天18点, or cron) and the final results."""
    change = {"cron": choice.cron, "final_results": choice.final_results}
    action, call = "competition.set_schedule", core.set_announcement_schedule
    return await _change(
        session, actor, action, call, competition_id, clock, detail=change, **change
    )


async def managed_competitions(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    clock: Clock,
    statuses: Collection[CompetitionStatus] | None = None,
) -> list[Competition]:
    """The competitions ``actor`` may do ``action`` on (for a list or a picker), newest first.

    Someone who is no organiser is refused (and audited under ``action``)."""
    await authorize(session, actor, action, need=Need.ORGANISER, clock=clock)
    rows = await core.list_competitions(session, statuses=set(statuses) if statuses else None)
    scope = await managed_ids(session, actor)
    mine = [c for c in rows if scope is None or c.id in scope]
    return sorted(mine, key=lambda c: -id_of(c))


@dataclass(frozen=True)
class Stats:
    competition: Competition
    teams: list[TeamParticipation]


async def competition_stats(
    session: AsyncSession,
    *,
    actor: Actor,
    competition_id: int,
    clock: Clock,
    not_counted: Collection[int] = (),
) -> Stats:
    """Participation per team; organisers (and ``not_counted``, the super-admins the edge
    knows) are not counted as participants."""
    await authorize(session, actor, "competition.stats", competition_id=competition_id, clock=clock)
    competition = await core.require_competition(session, competition_id=competition_id)
    organisers = {o.telegram_id for o in await list_organisers(session)} | set(not_counted)
    rows = await participation_by_team(
        session, competition_id=competition_id, exclude_telegram_ids=organisers
    )
    return Stats(competition, rows)
