"""Organiser actions on people and questions: move a worker, import a roster or a bank, and
one person, one record — the 待确认 list, confirming a newcomer, merging a duplicate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contest.admin.audit import authorize, outcome, perform
from contest.admin.policy import Actor
from contest.errors import BankRejected, ContestError
from contest.models import Team, Worker
from contest.people import (
    PendingWorker,
    confirm_worker,
    find_person,
    merge_workers,
    pending_workers,
)
from contest.roster import RosterReport, import_roster
from contest.teams import TeamLine, find_worker, get_team_by_join_code, move_worker, team_overview
from quizbank.formats import ImportRejected
from quizbank.service import BankStats, ImportResult, bank_stats, import_questions
from quizbank.validation import ValidationReport
from storage.ids import id_of
from storage.types import Clock


@dataclass(frozen=True)
class Moved:
    worker: Worker
    team: Team
    changed: bool


async def move(
    session: AsyncSession, *, actor: Actor, worker_ref: str, join_code: str, clock: Clock
) -> Moved:
    """Put a worker (工号, @username or Telegram id) into the team of ``join_code``; an
    organiser may do it while a competition is open."""

    async def work() -> Moved:
        worker = await find_worker(session, ref=worker_ref)
        if worker is None or worker.id is None:
            raise ContestError("worker_not_found", ref=worker_ref)
        team = await get_team_by_join_code(session, join_code=join_code)
        if team is None or team.id is None:
            raise ContestError("team_not_found", join_code=join_code)
        before = worker.team_id
        await move_worker(
            session,
            worker_id=worker.id,
            team_id=team.id,
            by_organiser=True,
            clock=clock,
        )
        return Moved(worker, team, before != team.id)

    def describe(moved: Moved) -> tuple[str, dict[str, Any]]:
        detail = {"worker_id": moved.worker.id, "team_id": moved.team.id}
        return outcome(moved.changed, **detail)

    detail = {"worker": worker_ref, "join_code": join_code}
    return await perform(
        session, actor, "worker.move", work, detail=detail, describe=describe, clock=clock
    )


async def import_workers(
    session: AsyncSession,
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    clock: Clock,
    checksum: str = "",
) -> RosterReport:
    """A roster (花名册), all or nothing: ``RosterRejected`` lists every bad row."""

    async def work() -> RosterReport:
        return await import_roster(session, data=data, filename=filename, clock=clock)

    def describe(report: RosterReport) -> tuple[str, dict[str, Any]]:
        return "ok", {"rows": report.rows, "created": report.created, "updated": report.updated}

    detail = {"file": filename, "checksum": checksum[:16]}
    return await perform(
        session, actor, "roster.import", work, detail=detail, describe=describe, clock=clock
    )


async def import_bank(
    session: AsyncSession,
    *,
    actor: Actor,
    report: ValidationReport,
    set_name: str,
    clock: Clock,
    skip_invalid: bool = False,
    skip_overlaps: bool = False,
) -> ImportResult:
    """A checked bank file into the set ``set_name``; all or nothing unless ``skip_invalid``
    (then ``BankRejected`` only when no row is usable). Questions other sets already hold
    are reported, and left out with ``skip_overlaps``."""

    async def work() -> ImportResult:
        try:
            return await import_questions(
                session,
                report=report,
                set_name=set_name,
                skip_invalid=skip_invalid,
                skip_overlaps=skip_overlaps,
                uploaded_by=actor.label,
                checksum=report.checksum,
                source_filename=report.filename,
                clock=clock,
            )
        except ImportRejected as rejected:
            raise BankRejected(rejected.errors) from None

    def describe(result: ImportResult) -> tuple[str, dict[str, Any]]:
        counts = {
            "set": result.set_name,
            "version": result.version,
            "created": result.created,
            "updated": result.updated,
            "deactivated": result.deactivated,
            "overlaps": len(result.overlaps),
            "skipped_overlaps": result.skipped_overlaps,
        }
        changed = result.created or result.updated or result.deactivated
        return outcome(changed, **counts)

    detail = {"file": report.filename, "set": set_name, "checksum": report.checksum[:16]}
    return await perform(
        session, actor, "bank.import", work, detail=detail, describe=describe, clock=clock
    )


async def teams(session: AsyncSession, *, actor: Actor, clock: Clock) -> list[TeamLine]:
    """Every team in tree order with member counts and join codes."""
    await authorize(session, actor, "team.list", clock=clock)
    return await team_overview(session)


async def bank_status(session: AsyncSession, *, actor: Actor, clock: Clock) -> BankStats:
    await authorize(session, actor, "bank.status", clock=clock)
    return await bank_stats(session)


async def pending(session: AsyncSession, *, actor: Actor, clock: Clock) -> list[PendingWorker]:
    """Workers registered outside the roster, each with the roster entries of their name."""
    await authorize(session, actor, "worker.pending", clock=clock)
    return await pending_workers(session)


async def confirm(session: AsyncSession, *, actor: Actor, worker_ref: str, clock: Clock) -> Worker:
    """A 待确认 worker (#id, 工号, @username or Telegram id) is a real newcomer."""

    async def work() -> Worker:
        worker = await _person(session, worker_ref)
        return await confirm_worker(session, worker_id=id_of(worker), clock=clock)

    def describe(worker: Worker) -> tuple[str, dict[str, Any]]:
        return "ok", {"worker_id": worker.id}

    return await perform(
        session,
        actor,
        "worker.confirm",
        work,
        detail={"worker": worker_ref},
        describe=describe,
        clock=clock,
    )


async def merge(
    session: AsyncSession, *, actor: Actor, keep_ref: str, drop_ref: str, clock: Clock
) -> Worker:
    """Merge the record ``drop_ref`` into ``keep_ref`` (usually a 待确认 duplicate into the
    roster entry); every answer is kept."""
    dropped: dict[str, Any] = {}

    async def work() -> Worker:
        keep, drop = await _person(session, keep_ref), await _person(session, drop_ref)
        dropped.update(drop_id=drop.id, drop_name=drop.real_name)
        return await merge_workers(
            session,
            keep_id=id_of(keep),
            drop_id=id_of(drop),
            clock=clock,
        )

    def describe(kept: Worker) -> tuple[str, dict[str, Any]]:
        return "ok", {"keep_id": kept.id, **dropped}

    detail = {"keep": keep_ref, "drop": drop_ref}
    return await perform(
        session, actor, "worker.merge", work, detail=detail, describe=describe, clock=clock
    )


async def _person(session: AsyncSession, ref: str) -> Worker:
    worker = await find_person(session, ref=ref)
    if worker is None or worker.id is None:
        raise ContestError("worker_not_found", ref=ref)
    return worker
