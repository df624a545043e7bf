"""The big screen (大屏) as the core sees it: revocable screen links and the board they show.

A screen link carries an unguessable token (``secrets.token_urlsafe``) that names one
competition; revoking it (``revoked_at``) closes every screen showing it. The board is plain
data for a wall: names and team paths, scores, turnout — never a 工号. It is read in a few
indexed queries, and :func:`board_fingerprint` tells cheaply whether anything moved, so a
server showing one competition on hundreds of screens reads the board once per change.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Column, Index, String, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from contest.competitions import require_competition
from contest.models import Competition, CompetitionStatus, Standing, TeamStanding
from contest.papers import score_style
from contest.ranking import team_board, top_individuals
from contest.rules import rules_of
from contest.scoring import ScoreStyle
from contest.standings import roster_size
from contest.tree import load_tree
from storage.types import Clock, UTCDateTime, utcnow

TOP_INDIVIDUALS = 10
TOP_TEAMS = 12


class ScreenToken(SQLModel, table=True):
    """One big-screen link of a competition (/screen); revoked ones stop working at once."""

    __tablename__ = "screen_token"
    __table_args__ = (Index("ix_screen_token_competition", "competition_id"),)

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="competition.id", ondelete="CASCADE")
    token: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    language: str = Field(default="zh", max_length=8)
    created_by: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


async def issue_screen(
    session: AsyncSession, *, competition_id: int, created_by: int, language: str, clock: Clock
) -> ScreenToken:
    """A new screen link for the competition (flushes; the organiser action commits)."""
    await require_competition(session, competition_id=competition_id)
    screen = ScreenToken(
        competition_id=competition_id,
        token=secrets.token_urlsafe(24),
        language=language,
        created_by=created_by,
        created_at=clock(),
    )
    session.add(screen)
    await session.flush()
    return screen


async def live_screen(session: AsyncSession, *, competition_id: int, clock: Clock) -> ScreenToken:
    """The competition's newest unrevoked screen link, issued when there is none (flushes)."""
    found = (
        await session.execute(
            select(ScreenToken)
            .where(
                col(ScreenToken.competition_id) == competition_id,
                col(ScreenToken.revoked_at).is_(None),
            )
            .order_by(col(ScreenToken.id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if found is not None:
        return found
    return await issue_screen(
        session, competition_id=competition_id, created_by=0, language="zh", clock=clock
    )


async def revoke_screens(session: AsyncSession, *, competition_id: int, clock: Clock) -> int:
    """Revoke every screen link of the competition; how many were live (flushes)."""
    result = await session.execute(
        update(ScreenToken)
        .where(
            col(ScreenToken.competition_id) == competition_id,
            col(ScreenToken.revoked_at).is_(None),
        )
        .values(revoked_at=clock())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def resolve_screen(session: AsyncSession, *, token: str) -> ScreenToken | None:
    """The live screen link for ``token``; None for an unknown or revoked one."""
    if not token or len(token) > 64:
        return None
    screen = (
        await session.execute(select(ScreenToken).where(col(ScreenToken.token) == token))
    ).scalar_one_or_none()
    if screen is None or screen.revoked_at is not None:
        return None
    return screen


# --- the board on the wall -----------------------------------------------------------------


@dataclass(frozen=True)
class ScreenPerson:
    worker_id: int
    rank: int
    name: str
    team: str  # the team's shortest unique path (一车间·甲班)
    score: float
    correct: int


@dataclass(frozen=True)
class ScreenTeam:
    team_id: int
    rank: int | None
    label: str
    score: float
    participants: int
    registered: int


@dataclass(frozen=True)
class ScreenBoard:
    competition_id: int
    title: str
    status: CompetitionStatus
    starts_at: datetime
    ends_at: datetime
    participants: int
    registered: int
    individuals: list[ScreenPerson]
    teams: list[ScreenTeam]
    idle_teams: list[str] = field(default_factory=list)  # nobody taking part, not listed above
    style: ScoreStyle = field(default_factory=ScoreStyle)  # precision, percentages


async def board_fingerprint(session: AsyncSession, *, competition_id: int) -> tuple[object, ...]:
    """Changes whenever anything the screen shows may have changed (two aggregate reads)."""
    people = (
        await session.execute(
            select(func.count(), func.max(col(Standing.updated_at)), func.sum(Standing.score))
            .select_from(Standing)
            .where(col(Standing.competition_id) == competition_id)
        )
    ).one()
    teams = (
        await session.execute(
            select(func.max(col(TeamStanding.updated_at))).where(
                col(TeamStanding.competition_id) == competition_id
            )
        )
    ).scalar()
    competition = (
        await session.execute(
            select(col(Competition.status), col(Competition.ends_at), col(Competition.name)).where(
                col(Competition.id) == competition_id
            )
        )
    ).one_or_none()
    return (*people, teams, *(competition or ()))


async def screen_board(
    session: AsyncSession,
    *,
    competition_id: int,
    top: int = TOP_INDIVIDUALS,
    top_teams: int = TOP_TEAMS,
) -> ScreenBoard:
    """What the wall shows now: the top individuals with their team path, the team board."""
    competition = await require_competition(session, competition_id=competition_id)
    level = rules_of(competition).team.level
    people = await top_individuals(session, competition_id=competition_id, limit=top)
    teams = await team_board(session, competition_id=competition_id, level=level)
    participants = await session.scalar(
        select(func.count())
        .select_from(Standing)
        .where(col(Standing.competition_id) == competition_id)
    )
    tree = await load_tree(session)
    ids = {row.team_id for row in teams} | {r.team_id for r in people if r.team_id is not None}
    labels = tree.short_labels(ids)
    return ScreenBoard(
        style=await score_style(session, competition=competition),
        competition_id=competition_id,
        title=competition.name,
        status=CompetitionStatus(competition.status),
        starts_at=competition.starts_at,
        ends_at=competition.ends_at,
        participants=int(participants or 0),
        registered=await roster_size(session, competition_id=competition_id),
        individuals=[
            ScreenPerson(
                worker_id=row.worker_id,
                rank=row.rank,
                name=row.name or "—",
                team=labels.get(row.team_id, "") if row.team_id is not None else "",
                score=row.score,
                correct=row.correct_count,
            )
            for row in people
        ],
        teams=[
            ScreenTeam(
                team_id=row.team_id,
                rank=row.rank,
                label=labels.get(row.team_id, row.name),
                score=row.score,
                participants=row.participants,
                registered=row.registered,
            )
            for row in teams[:top_teams]
        ],
        idle_teams=[
            labels.get(row.team_id, row.name) for row in teams[top_teams:] if not row.participants
        ],
    )
