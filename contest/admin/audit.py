"""The one path of an organiser action: check permission, do the work, audit (the edge commits).

Audit rows name the action as ``area.verb`` (``competition.open``, ``organiser.grant``,
``bank.import``) and end in one of four outcomes: ``ok``, ``unchanged`` (nothing to do),
``denied`` (no permission) or ``refused`` (the core said no; ``detail.code`` says why). The
row is written in the action's own transaction, so a change and its audit row are committed
together or not at all. A refusal's audit row rides on the raised error's
:attr:`~contest.errors.ContestError.keep`: the edge's turn rolls the action back and commits
that row alone (:func:`chat.turn.settle_refusal`). Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from contest.admin.policy import Actor, Need, refusal
from contest.errors import ContestError
from contest.models import AuditEntry
from storage.types import Clock, utcnow

T = TypeVar("T")
Describe = Callable[[T], tuple[str, dict[str, Any]]]


def outcome(changed: object, **detail: Any) -> tuple[str, dict[str, Any]]:
    """``ok`` when the action changed something, else ``unchanged``; with extra detail."""
    return ("ok" if changed else "unchanged"), detail


def counted(name: str) -> Describe[int]:
    """For an action whose result is a count: ``ok`` when it is not 0, the count as ``name``."""
    return lambda count: outcome(count, **{name: count})


def _plain(value: Any) -> Any:
    return value if isinstance(value, int | float | bool | str) or value is None else str(value)


def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    outcome: str,
    detail: dict[str, Any] | None = None,
    clock: Clock = utcnow,
) -> AuditEntry:
    """Add one audit row to the session's transaction (the caller commits)."""
    entry = _entry(actor, action, outcome=outcome, detail=detail, clock=clock)
    session.add(entry)
    return entry


def _entry(
    actor: Actor,
    action: str,
    *,
    outcome: str,
    detail: dict[str, Any] | None,
    clock: Clock,
) -> AuditEntry:
    return AuditEntry(
        actor_id=actor.user_id,
        action=action[:50],
        detail={
            "via": actor.via,
            **({"by": actor.name} if actor.name else {}),
            **{k: _plain(v) for k, v in (detail or {}).items()},
        },
        outcome=outcome[:20],
        created_at=clock(),
    )


async def authorize(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    competition_id: int | None = None,
    need: Need | None = None,
    detail: dict[str, Any] | None = None,
    clock: Clock = utcnow,
) -> None:
    """Return when ``actor`` may do ``action``; else raise the refusal, its audit row in
    the error's ``keep`` (the edge commits it after rolling the turn back)."""
    denied = await refusal(session, actor, action, competition_id=competition_id, need=need)
    if denied is None:
        return
    detail = {**(detail or {}), "code": denied.code}
    if competition_id is not None:
        detail.setdefault("competition_id", competition_id)
    denied.keep.append(_entry(actor, action, outcome="denied", detail=detail, clock=clock))
    raise denied


async def perform(
    session: AsyncSession,
    actor: Actor,
    action: str,
    work: Callable[[], Awaitable[T]],
    *,
    competition_id: int | None = None,
    need: Need | None = None,
    detail: dict[str, Any] | None = None,
    describe: Describe[T] | None = None,
    clock: Clock = utcnow,
) -> T:
    """Run ``work`` as ``action`` by ``actor``: authorized and audited in the session's
    transaction, which the edge commits once. A refusal carries its audit row in the error's
    ``keep``. ``describe`` turns the result into the outcome and extra detail."""
    detail = dict(detail or {})
    if competition_id is not None:
        detail.setdefault("competition_id", competition_id)
    await authorize(
        session, actor, action, competition_id=competition_id, need=need, detail=detail, clock=clock
    )
    try:
        async with session.begin_nested():
            result = await work()
    except ContestError as error:
        refused = {**detail, "code": error.code, **error.params}
        error.keep.append(_entry(actor, action, outcome="refused", detail=refused, clock=clock))
        raise
    outcome, extra = describe(result) if describe is not None else ("ok", {})
    record(session, actor, action, outcome=outcome, detail={**detail, **extra}, clock=clock)
    return result
