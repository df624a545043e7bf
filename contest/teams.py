"""Teams (班组 / 车间 / 部门) in a hierarchy, join codes for deep links, moving workers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import ContestError
from contest.models import Competition, CompetitionStatus, Standing, Team, Worker
from contest.names import path_key
from contest.standings import refresh_team_standings
from contest.tree import load_tree
from storage.types import Clock

JOIN_CODE_BYTES = 6  # 8 URL-safe characters: [A-Za-z0-9_-], fine in a t.me ?start= link
MAX_NAME = 100


async def new_join_code(session: AsyncSession) -> str:
    """A random join code not used by any team yet."""
    while True:
        code = secrets.token_urlsafe(JOIN_CODE_BYTES)
        # A leading "-" reads badly in chat and in spreadsheets; draw again.
        if code[0] == "-":
            continue
        if await get_team_by_join_code(session, join_code=code) is None:
            return code


async def create_team(
    session: AsyncSession, *, name: str, kind: str = "", parent_id: int | None = None
) -> Team:
    """A new team under ``parent_id`` (None = top level); names are unique among siblings."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise ContestError("bad_team_name", name=name)
    if parent_id is not None and await session.get(Team, parent_id) is None:
        raise ContestError("team_not_found", team_id=parent_id)
    if await _child(session, parent_id=parent_id, name=name) is not None:
        raise ContestError("team_exists", name=name)
    team = Team(name=name, kind=kind, parent_id=parent_id, join_code=await new_join_code(session))
    session.add(team)
    await session.flush()
    return team


async def _child(session: AsyncSession, *, parent_id: int | None, name: str) -> Team | None:
    # "parent_id = NULL" never matches in SQL, hence is_() for top-level teams.
    parent = (
        col(Team.parent_id).is_(None) if parent_id is None else col(Team.parent_id) == parent_id
    )
    return (await session.execute(select(Team).where(parent, col(Team.name) == name))).scalar()


async def ensure_team_path(session: AsyncSession, *, path: list[tuple[str, str]]) -> Team:
    """The leaf team of ``[(kind, name), ...]`` from the top (部门) down, created where missing."""
    if not path:
        raise ContestError("missing_team")
    parent_id: int | None = None
    team: Team | None = None
    for kind, name in path:
        clean = " ".join(name.split())
        team = await _child(session, parent_id=parent_id, name=clean)
        if team is None:
            team = await create_team(session, name=clean, kind=kind, parent_id=parent_id)
        elif not team.kind and kind:
            team.kind = kind
        parent_id = team.id
    assert team is not None
    return team


async def get_team_by_join_code(session: AsyncSession, *, join_code: str) -> Team | None:
    return (await session.execute(select(Team).where(col(Team.join_code) == join_code))).scalar()


async def list_teams(session: AsyncSession) -> list[Team]:
    return list((await session.execute(select(Team).order_by(col(Team.id)))).scalars())


async def descendants(session: AsyncSession, *, team_id: int) -> list[int]:
    """The team's id and the ids of every team below it."""
    return (await load_tree(session)).descendants(team_id)


async def team_path_names(session: AsyncSession, *, team_id: int) -> list[str]:
    """Names from the top down, e.g. ``["质量部", "检验一班"]``."""
    return (await load_tree(session)).path_names(team_id)


async def open_competition_ids(session: AsyncSession) -> list[int]:
    stmt = select(col(Competition.id)).where(col(Competition.status) == CompetitionStatus.OPEN)
    return [cid for cid in (await session.execute(stmt)).scalars() if cid is not None]


async def move_worker(
    session: AsyncSession,
    *,
    worker_id: int,
    team_id: int,
    by_organiser: bool,
    clock: Clock,
) -> Worker:
    """Put a worker in a team (joining the first time, or switching).

    While a competition is open a worker may not switch on their own (no shopping for the
    best team): ``ContestError("team_locked")``; an organiser may. Not a switch: a first
    team, a link to the team they are in or one above it (the 制造部 link for a worker of
    制造部/一车间/甲班 — they stay where they are), or a team below theirs (placing a worker
    who only had a 部门 in one of its 班组). Standings of open competitions follow the
    worker, and both teams' standings are recomputed. Flushes; the caller commits.
    """
    worker = await session.get(Worker, worker_id)
    if worker is None:
        raise ContestError("worker_not_found", worker_id=worker_id)
    if await session.get(Team, team_id) is None:
        raise ContestError("team_not_found", team_id=team_id)
    old_team = worker.team_id
    if old_team == team_id:
        return worker
    tree = await load_tree(session) if old_team is not None and not by_organiser else None
    if tree is not None and old_team is not None and team_id in tree.ancestors(old_team):
        return worker  # already in it, a level further down
    open_ids = await open_competition_ids(session)
    below = tree is not None and old_team is not None and old_team in tree.ancestors(team_id)
    if old_team is not None and open_ids and not by_organiser and not below:
        raise ContestError("team_locked", worker_id=worker_id)
    worker.team_id = team_id
    await session.flush()
    await follow_worker_team(
        session, worker=worker, old_team=old_team, open_ids=open_ids, clock=clock
    )
    if by_organiser:  # rare, and the organiser looks at the board next: refresh at once
        for competition_id in open_ids:
            await refresh_team_standings(session, competition_id=competition_id, clock=clock)
    await session.flush()
    return worker


async def follow_worker_team(
    session: AsyncSession,
    *,
    worker: Worker,
    old_team: int | None,
    open_ids: list[int],
    clock: Clock,
) -> None:
    """After ``worker.team_id`` changed: the worker's open standings move along with them.

    Team totals and headcounts follow within a second (``scheduler.team_refresh``).
    """
    if not open_ids:
        return
    await session.execute(
        update(Standing)
        .where(col(Standing.competition_id).in_(open_ids), col(Standing.worker_id) == worker.id)
        .values(team_id=worker.team_id, updated_at=clock())
    )


async def join_team(
    session: AsyncSession, *, worker_id: int, join_code: str, clock: Clock
) -> Worker:
    """A worker joins the team of a join code on their own (deep link ``?start=<code>``)."""
    team = await get_team_by_join_code(session, join_code=join_code.strip())
    if team is None or team.id is None:
        raise ContestError("bad_join_code", join_code=join_code)
    return await move_worker(
        session, worker_id=worker_id, team_id=team.id, by_organiser=False, clock=clock
    )


@dataclass(frozen=True)
class TeamLine:
    """One team in the organiser's overview: where it sits, its join code, its members."""

    team_id: int
    path: list[str]
    kind: str
    join_code: str
    members: int
    depth: int


async def team_overview(session: AsyncSession) -> list[TeamLine]:
    """Every team in tree order (parents before children) with its members, those of the
    teams below it included (a 车间 counts its 班组), as team denominators count them."""
    tree = await load_tree(session)
    teams = {team.id: team for team in await list_teams(session)}
    direct = (
        await session.execute(
            select(col(Worker.team_id), func.count())
            .where(col(Worker.team_id).is_not(None), col(Worker.pending).is_(False))
            .group_by(col(Worker.team_id))
        )
    ).tuples()
    counts: dict[int, int] = {}
    for team_id, count in direct:
        for above in tree.ancestors(team_id) if team_id in tree.parent else []:
            counts[above] = counts.get(above, 0) + count
    lines = []
    for team_id, team in teams.items():
        assert team_id is not None
        path = tree.path_names(team_id)
        lines.append(
            TeamLine(
                team_id, path, team.kind, team.join_code, counts.get(team_id, 0), len(path) - 1
            )
        )
    return sorted(lines, key=lambda line: path_key(line.path))


async def find_worker(session: AsyncSession, *, ref: str) -> Worker | None:
    """A worker by 工号, @username or numeric Telegram id (what an organiser types)."""
    ref = ref.strip()
    if ref.startswith("@"):
        query = select(Worker).where(func.lower(Worker.username) == ref[1:].lower())
    elif ref.isdigit():
        query = select(Worker).where(
            (col(Worker.employee_no) == ref) | (col(Worker.telegram_id) == int(ref))
        )
    else:
        query = select(Worker).where(col(Worker.employee_no) == ref)
    return (await session.execute(query.limit(1))).scalars().first()
