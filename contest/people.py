"""One person, one record: workers waiting for confirmation (待确认), confirming, merging.

A worker who registered in the bot while a roster exists, matching nobody on it, is
``pending``: counted where they played, listed for the organiser, who either confirms them
(a real newcomer) or merges them into the roster record they duplicate. Merging keeps every
answer: the attempts move to the kept record (renumbered after its own), practice totals
add up, the standings are recomputed. The organiser's side — permission, and the audit row
in the same transaction — is :mod:`contest.admin.people`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import ContestError
from contest.models import (
    Attempt,
    AttemptKind,
    AttemptStatus,
    Competition,
    CompetitionStatus,
    PracticeDay,
    QuestionSeen,
    Standing,
    Worker,
)
from contest.rules import Counting, rules_of
from contest.standings import attempt_order, record_standing, refresh_team_standings
from contest.teams import find_worker
from contest.tree import load_tree
from storage.ids import id_of
from storage.types import Clock


@dataclass(frozen=True)
class PendingWorker:
    """A 待确认 worker and the roster records that might be the same person (same name)."""

    worker_id: int
    name: str
    employee_no: str | None
    username: str | None
    team_label: str
    registered_at: datetime | None
    look_alikes: list[tuple[int, str, str]]  # (worker id, 工号, team label)


async def pending_workers(session: AsyncSession, *, limit: int = 50) -> list[PendingWorker]:
    """Workers waiting for an organiser, oldest first, each with same-named roster entries."""
    rows = list(
        (
            await session.execute(
                select(Worker)
                .where(col(Worker.pending).is_(True))
                .order_by(col(Worker.registered_at), col(Worker.id))
                .limit(limit)
            )
        ).scalars()
    )
    if not rows:
        return []
    tree = await load_tree(session)
    labels = tree.short_labels()
    roster = (
        await session.execute(
            select(Worker).where(
                col(Worker.on_roster).is_(True),
                col(Worker.telegram_id).is_(None),
                col(Worker.real_name).in_({w.real_name for w in rows}),
            )
        )
    ).scalars()
    alike: dict[str, list[tuple[int, str, str]]] = {}
    for r in roster:
        label = labels.get(r.team_id, "") if r.team_id is not None else ""
        alike.setdefault(r.real_name, []).append((id_of(r), r.employee_no or "", label))
    return [
        PendingWorker(
            worker_id=id_of(w),
            name=w.real_name,
            employee_no=w.employee_no,
            username=w.username,
            team_label=labels.get(w.team_id, "") if w.team_id is not None else "",
            registered_at=w.registered_at,
            look_alikes=alike.get(w.real_name, []),
        )
        for w in rows
    ]


async def find_person(session: AsyncSession, *, ref: str) -> Worker | None:
    """A worker by what an organiser types: ``#12`` (the number /pending shows), 工号,
    @username or Telegram id."""
    ref = ref.strip()
    if ref.startswith("#") and ref[1:].isdigit():
        return await session.get(Worker, int(ref[1:]))
    return await find_worker(session, ref=ref)


async def confirm_worker(session: AsyncSession, *, worker_id: int, clock: Clock) -> Worker:
    """A 待确认 worker is a real newcomer: they count in their team from now on."""
    worker = await session.get(Worker, worker_id)
    if worker is None:
        raise ContestError("worker_not_found", worker_id=worker_id)
    worker.pending = False
    await session.flush()
    for competition_id in await _open_competitions(session):
        await refresh_team_standings(session, competition_id=competition_id, clock=clock)
    await session.flush()
    return worker


async def _open_competitions(session: AsyncSession) -> list[int]:
    found = await session.execute(
        select(col(Competition.id)).where(
            col(Competition.status) == CompetitionStatus.OPEN  # closed ones refresh at export
        )
    )
    return [int(cid) for cid in found.scalars() if cid is not None]


async def merge_workers(
    session: AsyncSession, *, keep_id: int, drop_id: int, clock: Clock
) -> Worker:
    """Merge ``drop_id`` into ``keep_id`` (usually a 待确认 bot record into its roster record).

    The kept record keeps its name, 工号 and team and takes the other's Telegram account
    where it has none; the attempts, practice days and seen questions move over; the
    standings of every competition either played are recomputed. Errors:
    ``worker_not_found``, ``same_worker``, ``two_accounts`` (both have a Telegram account).
    """
    if keep_id == drop_id:
        raise ContestError("same_worker")
    keep, drop = await session.get(Worker, keep_id), await session.get(Worker, drop_id)
    if keep is None or drop is None:
        raise ContestError("worker_not_found", worker_id=drop_id if keep else keep_id)
    if keep.telegram_id is not None and drop.telegram_id is not None:
        raise ContestError("two_accounts")
    now = clock()
    competitions = await _move_attempts(session, keep=keep, drop=drop, now=now)
    await _move_practice(session, keep_id=keep_id, drop_id=drop_id)
    telegram_id, username = drop.telegram_id, drop.username
    drop.telegram_id, drop.employee_no = None, None  # free the unique columns first
    await session.flush()
    if keep.telegram_id is None and telegram_id is not None:
        keep.telegram_id, keep.username = telegram_id, username or keep.username
        keep.language, keep.active = drop.language, drop.active
        keep.registered_at = keep.registered_at or drop.registered_at
    keep.team_id = keep.team_id if keep.team_id is not None else drop.team_id
    keep.pending = False
    await session.delete(drop)
    await session.flush()
    for competition_id in sorted(competitions):
        await _recount(session, competition_id=competition_id, worker=keep, now=now, clock=clock)
    await session.flush()
    return keep


async def _move_attempts(
    session: AsyncSession, *, keep: Worker, drop: Worker, now: datetime
) -> set[int]:
    """The dropped record's attempts, renumbered after the kept one's; the competitions."""
    attempts = list(
        (
            await session.execute(
                select(Attempt).where(col(Attempt.worker_id) == drop.id).order_by(col(Attempt.id))
            )
        ).scalars()
    )
    keep_active = await session.scalar(
        select(func.count()).where(
            col(Attempt.worker_id) == keep.id, col(Attempt.status) == AttemptStatus.ACTIVE
        )
    )
    competitions: set[int] = set()
    for attempt in attempts:
        if attempt.competition_id is not None:
            competitions.add(attempt.competition_id)
            highest = await session.scalar(
                select(func.max(col(Attempt.number))).where(
                    col(Attempt.worker_id) == keep.id,
                    col(Attempt.competition_id) == attempt.competition_id,
                )
            )
            attempt.number = (highest or 0) + 1
        if attempt.status == AttemptStatus.ACTIVE and keep_active:
            attempt.status, attempt.finished_at = AttemptStatus.EXPIRED, now  # one active only
        attempt.worker_id = id_of(keep)
        await session.flush()
    kept = select(col(Standing.competition_id)).where(col(Standing.worker_id) == keep.id)
    competitions |= set((await session.execute(kept)).scalars())
    await session.execute(delete(Standing).where(col(Standing.worker_id).in_([keep.id, drop.id])))
    return competitions


async def _move_practice(session: AsyncSession, *, keep_id: int, drop_id: int) -> None:
    days = (
        await session.execute(select(PracticeDay).where(col(PracticeDay.worker_id) == drop_id))
    ).scalars()
    for day in list(days):
        mine = await session.get(PracticeDay, (keep_id, day.day))
        if mine is None:
            session.add(
                PracticeDay(
                    worker_id=keep_id,
                    day=day.day,
                    answered=day.answered,
                    correct=day.correct,
                    score=day.score,
                )
            )
        else:
            mine.answered += day.answered
            mine.correct += day.correct
            mine.score += day.score
        await session.delete(day)
    await session.flush()
    known = select(col(QuestionSeen.question_id)).where(col(QuestionSeen.worker_id) == keep_id)
    await session.execute(
        update(QuestionSeen)
        .where(col(QuestionSeen.worker_id) == drop_id, col(QuestionSeen.question_id).not_in(known))
        .values(worker_id=keep_id)
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(QuestionSeen).where(col(QuestionSeen.worker_id) == drop_id))


async def _recount(
    session: AsyncSession, *, competition_id: int, worker: Worker, now: datetime, clock: Clock
) -> None:
    """The kept worker's standing from all their attempts (two records may each have one,
    even where one attempt is allowed): the best or the last, as the rules count."""
    competition = await session.get(Competition, competition_id)
    if competition is None:
        return
    rules = rules_of(competition)
    attempts = list(
        (
            await session.execute(
                select(Attempt).where(
                    col(Attempt.worker_id) == worker.id,
                    col(Attempt.competition_id) == competition_id,
                    col(Attempt.kind) == AttemptKind.COMPETITION,
                )
            )
        ).scalars()
    )
    if attempts:
        if rules.counting is Counting.BEST:
            counted = min(attempts, key=lambda a: attempt_order(a, rules.precision))
        else:
            counted = max(attempts, key=lambda a: a.number)
        await record_standing(session, attempt=counted, rules=rules, now=now)
    await refresh_team_standings(session, competition_id=competition_id, clock=clock)
