"""Workers (职工) registering themselves: real name, employee number, language, team.

Domain errors carry codes (``ContestError``); the bot translates them. One person, one
record: a worker the organiser pre-registered from a roster is found by employee number
(工号), or by name within the team of the join link they came by (:func:`roster_by_name`;
the bot asks when two match), and only confirms. Someone who matches nobody on a roster
that exists is registered as 待确认 (``Worker.pending``) for the organiser to confirm or
merge (:mod:`contest.people`), never as a silent second record. Names lose control and
invisible characters (zero-width, bidi overrides) that could disguise who is who.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import ContestError
from contest.models import Attempt, Competition, CompetitionStatus, Team, Worker
from contest.names import path_key, visible_text
from contest.roster_lookup import (
    by_unique_name,
    name_key,
    normalize_employee_no,
    roster_entry,
    roster_exists,
    unknown_employee_no,
)
from contest.teams import get_team_by_join_code, join_team, list_teams, move_worker
from contest.tree import load_tree
from storage.ids import id_of
from storage.types import Clock

NAME_MIN, NAME_MAX = 2, 20
EMPLOYEE_NO_MAX = 30
LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class RosterMatch:
    """A roster entry the worker may claim: who, and where the organiser put them."""

    worker_id: int
    real_name: str
    employee_no: str
    team_path: tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    """What a worker sees of themselves (/me), and whether they may still correct their name."""

    real_name: str
    employee_no: str | None
    team_path: tuple[str, ...]
    language: str
    name_locked_by: str | None  # a closed competition the worker entered: the name is final


@dataclass(frozen=True)
class TeamChoice:
    team_id: int
    path: tuple[str, ...]


def clean_name(text: str) -> str:
    """The real name (实名): visible characters only, trimmed, inner whitespace collapsed.

    ``name_invisible`` when nothing visible is left of a non-blank text (``\u200b\u200b``),
    ``name_length`` when the rest is not 2–20 characters.
    """
    name = visible_text(text)
    if not name and text.strip():
        raise ContestError("name_invisible")
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise ContestError("name_length", min=NAME_MIN, max=NAME_MAX)
    return name


def clean_employee_no(text: str) -> str:
    number = normalize_employee_no(text)
    if not number or len(number) > EMPLOYEE_NO_MAX:
        raise ContestError("bad_employee_no", max=EMPLOYEE_NO_MAX, count=EMPLOYEE_NO_MAX)
    return number


async def get_worker(session: AsyncSession, *, telegram_id: int) -> Worker | None:
    return (
        await session.execute(select(Worker).where(col(Worker.telegram_id) == telegram_id))
    ).scalar_one_or_none()


async def find_roster_entry(
    session: AsyncSession, *, employee_no: str, telegram_id: int
) -> RosterMatch | None:
    """The roster entry meant by what was typed at the 工号 prompt (the 工号 in any width or
    case, or a name unique on the roster); ``employee_no_taken`` if another account has it.

    None only while no roster exists; with one, a 工号 on it nowhere is refused
    (``employee_no_unknown``, ``employee_no_unknown_near``) so the worker types it again or
    skips to their name — it is never kept as their 工号.
    """
    found = await roster_entry(session, typed=employee_no, telegram_id=telegram_id)
    if found is None:
        if await roster_exists(session):
            raise await unknown_employee_no(session, typed=employee_no)
        return None
    if found.telegram_id is not None and found.telegram_id != telegram_id:
        raise ContestError("employee_no_taken")
    return await _match(session, found)


async def roster_by_name(
    session: AsyncSession, *, name: str, join_code: str | None, telegram_id: int
) -> list[RosterMatch]:
    """Roster entries with this real name in the team of the join link (and teams below),
    not yet claimed by another Telegram account; without a join link, the one entry of that
    name on the whole roster when it is unique (several 王伟 need the link to tell apart)."""
    name = clean_name(name)
    if not join_code:
        only = await by_unique_name(session, typed=name, telegram_id=telegram_id)
        return [await _match(session, only)] if only is not None else []
    team = await get_team_by_join_code(session, join_code=join_code.strip())
    if team is None or team.id is None:
        return []
    tree = await load_tree(session)
    rows = await session.execute(
        select(Worker)
        .where(
            func.lower(func.replace(col(Worker.real_name), " ", "")) == name_key(name),
            col(Worker.on_roster).is_(True),
            col(Worker.team_id).in_(tree.descendants(team.id)),
        )
        .order_by(col(Worker.id))
    )
    return [
        RosterMatch(
            worker_id=id_of(w),
            real_name=w.real_name,
            employee_no=w.employee_no or "",
            team_path=tuple(tree.path_names(w.team_id)) if w.team_id in tree.parent else (),
        )
        for w in rows.scalars()
        if w.telegram_id in (None, telegram_id)
    ]


async def _match(session: AsyncSession, worker: Worker) -> RosterMatch:
    assert worker.id is not None  # a stored roster row
    path: tuple[str, ...] = ()
    if worker.team_id is not None:
        path = tuple((await load_tree(session)).path_names(worker.team_id))
    return RosterMatch(
        worker_id=worker.id,
        real_name=worker.real_name,
        employee_no=worker.employee_no or "",
        team_path=path,
    )


async def register_worker(
    session: AsyncSession,
    *,
    telegram_id: int,
    username: str | None,
    real_name: str,
    employee_no: str | None,
    language: str,
    clock: Clock,
    roster_worker_id: int | None = None,
) -> Worker:
    """Create or update the worker behind ``telegram_id``; claims a roster entry by number
    (``employee_no``) or the one picked by name (``roster_worker_id``).

    A worker on no roster while a roster exists is ``pending`` (待确认). Idempotent under
    double taps and replays: the unique Telegram id refuses a second row, and the losing
    tap simply updates the row the first one made. Errors: ``name_length``,
    ``name_invisible``, ``bad_employee_no``, ``employee_no_taken``.
    """
    name = clean_name(real_name)
    number = clean_employee_no(employee_no) if employee_no else None
    for _ in range(3):
        try:
            async with session.begin_nested():
                worker = await _claim_or_create(
                    session, telegram_id=telegram_id, number=number, roster_id=roster_worker_id
                )
                worker.telegram_id = telegram_id
                worker.username = username
                worker.real_name = worker.real_name if worker.on_roster else name
                # A roster entry brings its own 工号; a typed one stands only without a roster.
                if not worker.on_roster:
                    worker.employee_no = number or worker.employee_no
                worker.language = language if language in LANGUAGES else "zh"
                worker.registered_at = worker.registered_at or clock()
                worker.active = True
                worker.pending = not worker.on_roster and await roster_exists(session)
        except IntegrityError:
            continue  # another tap registered this person a moment ago: update their row
        return worker
    raise ContestError("busy")


async def _claim_or_create(
    session: AsyncSession, *, telegram_id: int, number: str | None, roster_id: int | None
) -> Worker:
    worker = await get_worker(session, telegram_id=telegram_id)
    roster = None
    if number is not None and roster_id is None:
        roster = await roster_entry(session, typed=number, telegram_id=telegram_id)
        if roster is None and await roster_exists(session):
            raise await unknown_employee_no(session, typed=number)
    elif roster_id is not None:
        roster = await session.get(Worker, roster_id)
        if roster is None or not roster.on_roster:
            raise ContestError("worker_not_found", worker_id=roster_id)
    if roster is not None and roster.telegram_id not in (None, telegram_id):
        raise ContestError("employee_no_taken")
    if roster is not None and worker is not None and roster.id != worker.id:
        # The worker talked to the bot before claiming: the roster row (with its team)
        # wins, and the bare bot-only row gives up its Telegram id.
        worker.telegram_id = None
        await session.flush()
        await session.delete(worker)
        await session.flush()
    worker = roster or worker
    if worker is None:
        worker = Worker()
        session.add(worker)
    return worker


async def set_language(session: AsyncSession, *, worker: Worker, language: str) -> Worker:
    if language not in LANGUAGES:
        raise ContestError("bad_language")
    worker.language = language
    await session.flush()
    return worker


async def join_by_code(
    session: AsyncSession, *, worker: Worker, join_code: str, clock: Clock
) -> TeamChoice:
    """Join the team of a deep-link code; ``bad_join_code``, ``team_locked``."""
    await join_team(session, worker_id=id_of(worker), join_code=join_code, clock=clock)
    return await _choice(session, worker)


async def join_by_id(
    session: AsyncSession, *, worker: Worker, team_id: int, clock: Clock
) -> TeamChoice:
    """Join a team picked from the list; a worker cannot switch while a competition is open."""
    await move_worker(
        session, worker_id=id_of(worker), team_id=team_id, by_organiser=False, clock=clock
    )
    return await _choice(session, worker)


async def team_choices(session: AsyncSession, *, limit: int = 30) -> list[TeamChoice]:
    """Teams a worker may pick: the leaves of the hierarchy (班组), by full path."""
    teams: list[Team] = await list_teams(session)
    parents = {t.parent_id for t in teams if t.parent_id is not None}
    tree = await load_tree(session)
    leaves = [
        TeamChoice(t.id, tuple(tree.path_names(t.id)))
        for t in teams
        if t.id is not None and t.id not in parents
    ]
    return sorted(leaves, key=lambda c: path_key(c.path))[:limit]


async def _choice(session: AsyncSession, worker: Worker) -> TeamChoice:
    await session.refresh(worker)
    assert worker.team_id is not None
    return TeamChoice(worker.team_id, tuple((await load_tree(session)).path_names(worker.team_id)))


# --- the worker's own profile (/me) --------------------------------------------------------


async def name_locked_by(session: AsyncSession, *, worker_id: int, clock: Clock) -> str | None:
    """Who may rename: a worker may correct their name until a competition they entered has
    closed (its results, boards and certificates carry the name). The name of the closed
    competition that fixes it, or None while the name may change."""
    closed = or_(
        col(Competition.status).in_([CompetitionStatus.CLOSED, CompetitionStatus.ARCHIVED]),
        col(Competition.ends_at) <= clock(),
    )
    return await session.scalar(
        select(col(Competition.name))
        .join(Attempt, col(Attempt.competition_id) == col(Competition.id))
        .where(col(Attempt.worker_id) == worker_id, closed)
        .order_by(col(Competition.ends_at))
        .limit(1)
    )


async def profile(session: AsyncSession, *, worker: Worker, clock: Clock) -> Profile:
    worker_id = id_of(worker)
    path: tuple[str, ...] = ()
    if worker.team_id is not None:
        path = tuple((await load_tree(session)).path_names(worker.team_id))
    return Profile(
        real_name=worker.real_name,
        employee_no=worker.employee_no,
        team_path=path,
        language=worker.language,
        name_locked_by=await name_locked_by(session, worker_id=worker_id, clock=clock),
    )


async def rename(session: AsyncSession, *, worker: Worker, real_name: str, clock: Clock) -> Profile:
    """Correct the worker's real name (实名); ``name_length``, ``name_locked``."""
    name = clean_name(real_name)
    locked = await name_locked_by(session, worker_id=id_of(worker), clock=clock)
    if locked is not None:
        raise ContestError("name_locked", name=locked)
    worker.real_name = name
    session.add(worker)
    await session.flush()
    return await profile(session, worker=worker, clock=clock)
