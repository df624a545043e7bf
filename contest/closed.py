"""A worker's own results after the close (成绩查询), for edges that are asked rather than
told: the browser shows what the close's messages say (:mod:`contest.final`, read the same
way), once the results are final — at the close, or when its play-off (加赛) window ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import ContestError
from contest.final import FinalResult, FinalResults, final_results
from contest.models import Competition, CompetitionStatus, Standing
from contest.ranking import individual_rank
from contest.rules import rules_of
from storage.types import Clock

NOT_STARTED = (CompetitionStatus.DRAFT, CompetitionStatus.SCHEDULED)


def results_ready_at(competition: Competition) -> datetime:
    """When a competition's results are final: its close, or the end of its play-off."""
    rules = rules_of(competition)
    if rules.ties.playoff_places:
        return competition.ends_at + timedelta(minutes=rules.ties.playoff_minutes)
    return competition.ends_at


def results_ready(competition: Competition, *, now: datetime) -> bool:
    return competition.status not in NOT_STARTED and now >= results_ready_at(competition)


@dataclass(frozen=True)
class MyResult:
    """One worker's final result with what it is read against."""

    competition: Competition
    final: FinalResults
    result: FinalResult
    certificate: bool  # a 荣誉证书 for this place
    card: bool  # a 参与证明


async def my_result(
    session: AsyncSession, *, competition_id: int, worker_id: int, clock: Clock
) -> MyResult:
    """The worker's final place, team place and review; ``results_not_yet`` before the
    results are final, ``no_result`` when they did not take part."""
    competition = await session.get(Competition, competition_id)
    if competition is None:
        raise ContestError("competition_not_found", competition_id=competition_id)
    if not results_ready(competition, now=clock()):
        at = results_ready_at(competition).astimezone(ZoneInfo(competition.timezone))
        raise ContestError("results_not_yet", at=at.strftime("%Y-%m-%d %H:%M"))
    final = await final_results(session, competition_id=competition_id, only=worker_id)
    if not final.results:
        raise ContestError("no_result")
    result = final.results[0]
    rules = rules_of(competition).results
    return MyResult(
        competition=competition,
        final=final,
        result=result,
        certificate=result.rank <= rules.certificates,
        card=rules.participation_cards,
    )


@dataclass(frozen=True)
class ClosedEntry:
    """A competition the worker took part in that has ended, with their place once final."""

    competition_id: int
    name: str
    timezone: str
    ready_at: datetime
    ready: bool
    rank: int | None = None
    tied: bool = False
    participants: int = 0
    score: float = 0.0


async def closed_entries(
    session: AsyncSession, *, worker_id: int, clock: Clock, limit: int = 10
) -> list[ClosedEntry]:
    """The ended competitions the worker has a counted result in, latest first."""
    now = clock()
    found = await session.execute(
        select(col(Competition.id), Competition)
        .join(Standing, col(Standing.competition_id) == col(Competition.id))
        .where(
            col(Standing.worker_id) == worker_id,
            col(Competition.ends_at) <= now,
            col(Competition.status).not_in(NOT_STARTED),
        )
        .order_by(col(Competition.ends_at).desc())
        .limit(limit)
    )
    entries = []
    for competition_id, competition in found.tuples():
        assert competition_id is not None  # a row read back has its id
        ready = results_ready(competition, now=now)
        place = (
            await individual_rank(session, competition_id=competition_id, worker_id=worker_id)
            if ready
            else None
        )
        entries.append(
            ClosedEntry(
                competition_id=competition_id,
                name=competition.name,
                timezone=competition.timezone,
                ready_at=results_ready_at(competition),
                ready=ready,
                rank=place.rank if place else None,
                tied=place.tied if place else False,
                participants=place.total if place else 0,
                score=place.score if place else 0.0,
            )
        )
    return entries
