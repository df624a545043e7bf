"""Organiser actions on who organises: grant, revoke (super-admins), the lists and the log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contest.admin.audit import authorize, counted, outcome, perform
from contest.admin.policy import Actor
from contest.models import AuditEntry, Organiser
from contest.organisers import (
    GrantResult,
    audit_count,
    grant_organiser,
    latest_audit,
    list_organisers,
    revoke_organiser,
)
from storage.types import Clock


def _granted(result: GrantResult) -> tuple[str, dict[str, Any]]:
    return outcome(result.created)


async def grant(
    session: AsyncSession,
    *,
    actor: Actor,
    telegram_id: int,
    competition_id: int | None,
    clock: Clock,
) -> GrantResult:
    """Make ``telegram_id`` an organiser of all competitions (or of one); idempotent."""

    async def work() -> GrantResult:
        return await grant_organiser(
            session,
            telegram_id=telegram_id,
            granted_by=actor.user_id,
            competition_id=competition_id,
            clock=clock,
        )

    detail = {"telegram_id": telegram_id, "competition_id": competition_id}
    return await perform(
        session, actor, "organiser.grant", work, detail=detail, describe=_granted, clock=clock
    )


async def revoke(
    session: AsyncSession,
    *,
    actor: Actor,
    telegram_id: int,
    competition_id: int | None,
    clock: Clock,
) -> int:
    """Remove the grant for one competition, or (without one) every grant; how many went."""

    async def work() -> int:
        return await revoke_organiser(
            session, telegram_id=telegram_id, competition_id=competition_id
        )

    detail = {"telegram_id": telegram_id, "competition_id": competition_id}
    return await perform(
        session,
        actor,
        "organiser.revoke",
        work,
        detail=detail,
        describe=counted("removed"),
        clock=clock,
    )


async def organisers(session: AsyncSession, *, actor: Actor, clock: Clock) -> Sequence[Organiser]:
    await authorize(session, actor, "organiser.list", clock=clock)
    return await list_organisers(session)


@dataclass(frozen=True)
class AuditPage:
    entries: Sequence[AuditEntry]
    total: int


async def audit_log(
    session: AsyncSession, *, actor: Actor, clock: Clock, offset: int = 0, limit: int = 20
) -> AuditPage:
    """The audit rows, newest first, ``limit`` at a time."""
    await authorize(session, actor, "audit.list", clock=clock)
    return AuditPage(
        await latest_audit(session, limit=limit, offset=offset), await audit_count(session)
    )
