"""Signing in to the browser quiz with 工号 + 姓名, with guessing kept expensive.

工号 + 姓名 is weak identity: colleagues know each other's numbers. So every 工号 has a
failure count in the database (shared by every process and address): after
``MAX_FAILURES`` wrong tries within ``WINDOW`` it is locked for ``LOCK`` — the right name is
refused too while the lock lasts — and the competition's organisers are told once per lock
(an audit row and a private message through the outbox).

Nothing here raises for a wrong guess: a refusal would roll the turn back, and with it the
count that makes the next guess dearer. The result says what happened; the edge renders it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, String, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from contest.models import AuditEntry, Competition, Organiser, Worker
from contest.outbox import enqueue
from contest.roster import normalize_employee_no
from contest.web_access import roster_login_enabled, roster_worker
from i18n import t
from storage.types import Clock, UTCDateTime
from storage.upsert import upsert

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


class LoginFailure(SQLModel, table=True):
    """Wrong 姓名 tries at one 工号: how many in the current window, and any lock."""

    __tablename__ = "login_failure"

    employee_no: str = Field(sa_column=Column(String(50), primary_key=True))
    failures: int = 0
    window_start: datetime = Field(sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


@dataclass(frozen=True)
class SignIn:
    """The outcome of one try: ``worker`` when it matched; else why not."""

    worker: Worker | None = None
    closed: bool = False  # the organiser has not allowed roster sign-in for the competition
    locked_until: datetime | None = None
    tries_left: int | None = None


async def roster_sign_in(
    session: AsyncSession, *, competition_id: int, employee_no: str, name: str, clock: Clock
) -> SignIn:
    """Try 工号 + 姓名 for ``competition_id``; counts a failure against the 工号 (flushes)."""
    if not await roster_login_enabled(session, competition_id=competition_id):
        return SignIn(closed=True)
    number = normalize_employee_no(employee_no)[:50]
    now = clock()
    record = await session.get(LoginFailure, number, populate_existing=True) if number else None
    if record is not None and record.locked_until is not None and record.locked_until > now:
        return SignIn(locked_until=record.locked_until)
    worker = await roster_worker(session, employee_no=employee_no, name=name)
    if worker is not None:
        if record is not None:
            await session.delete(record)
        return SignIn(worker=worker)
    if not number:
        return SignIn(tries_left=MAX_FAILURES)
    return await _failed(session, record, number=number, competition_id=competition_id, now=now)


async def _failed(
    session: AsyncSession,
    record: LoginFailure | None,
    *,
    number: str,
    competition_id: int,
    now: datetime,
) -> SignIn:
    fresh = record is None or now - record.window_start > WINDOW or record.locked_until is not None
    failures = 1 if fresh or record is None else record.failures + 1
    locked_until = now + LOCK if failures >= MAX_FAILURES else None
    await upsert(
        session,
        LoginFailure,
        keys={"employee_no": number},
        values={
            "failures": failures,
            "window_start": now if fresh or record is None else record.window_start,
            "locked_until": locked_until,
        },
    )
    if locked_until is None:
        return SignIn(tries_left=MAX_FAILURES - failures)
    await _tell_organisers(session, number=number, competition_id=competition_id, now=now)
    return SignIn(locked_until=locked_until)


async def _tell_organisers(
    session: AsyncSession, *, number: str, competition_id: int, now: datetime
) -> None:
    session.add(
        AuditEntry(
            actor_id=0,
            action="login.locked",
            detail={"via": "web", "employee_no": number, "competition_id": competition_id},
            outcome="denied",
            created_at=now,
        )
    )
    competition = await session.get(Competition, competition_id)
    name = competition.name if competition is not None else str(competition_id)
    organisers = await session.execute(
        select(col(Organiser.telegram_id)).where(
            or_(
                col(Organiser.competition_id) == competition_id,
                col(Organiser.competition_id).is_(None),
            )
        )
    )
    minutes = int(LOCK.total_seconds() // 60)
    text = t("web.login.locked_note", "zh", employee_no=number, name=name, minutes=minutes)
    stamp = int(now.timestamp())
    for telegram_id in sorted(set(organisers.scalars())):
        await enqueue(
            session,
            dedup_key=f"login-locked:{number}:{stamp}:{telegram_id}",
            chat_id=telegram_id,
            text=text,
            clock=lambda: now,
        )
