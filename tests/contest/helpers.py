"""Builders shared by the contest tests (plain functions over a real session)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contest.models import (
    Attempt,
    AttemptKind,
    AttemptStatus,
    Competition,
    CompetitionStatus,
    Team,
    Worker,
)
from contest.rules import CompetitionRules
from contest.standings import record_attempt_progress, refresh_team_standings
from contest.teams import ensure_team_path
from storage.ids import id_of

T0 = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)


def rules(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"composition": [{"type": "single", "count": 2}]}
    data.update(overrides)
    return CompetitionRules.model_validate(data).model_dump(mode="json")


async def competition(
    session: AsyncSession, *, status: CompetitionStatus = CompetitionStatus.OPEN, **rule_args: Any
) -> Competition:
    c = Competition(
        name="质量月竞赛",
        status=status,
        starts_at=T0 - timedelta(days=1),
        ends_at=T0 + timedelta(days=10),
        rules=rules(**rule_args),
    )
    session.add(c)
    await session.commit()
    return c


async def team(session: AsyncSession, dept: str, group: str) -> Team:
    t = await ensure_team_path(session, path=[("部门", dept), ("班组", group)])
    await session.commit()
    return t


async def worker(session: AsyncSession, name: str, team_obj: Team | None) -> Worker:
    w = Worker(real_name=name, team_id=team_obj.id if team_obj else None)
    session.add(w)
    await session.commit()
    return w


async def attempt(
    session: AsyncSession,
    comp: Competition,
    w: Worker,
    *,
    score: float,
    time_s: float,
    finished_min: float | None = 10,
    number: int = 1,
    clock: Any = None,
) -> Attempt:
    """A competition attempt with the given result, recorded into the standings."""
    a = Attempt(
        worker_id=w.id,
        competition_id=comp.id,
        kind=AttemptKind.COMPETITION,
        status=AttemptStatus.FINISHED if finished_min is not None else AttemptStatus.ACTIVE,
        number=number,
        started_at=T0,
        finished_at=T0 + timedelta(minutes=finished_min) if finished_min is not None else None,
        score=score,
        time_used_ms=int(time_s * 1000),
    )
    session.add(a)
    await session.flush()
    await record_attempt_progress(session, attempt=a, clock=clock or (lambda: T0))
    # Team totals follow the standings within a second in production (TeamRefresher);
    # here at once, so a test reads them right after.
    await refresh_team_standings(session, competition_id=id_of(comp), clock=clock or (lambda: T0))
    await session.commit()
    return a
