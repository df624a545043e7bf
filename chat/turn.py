"""One turn per update, on every edge: who is acting, in which language, at what time, in
which transaction.

An edge (aiogram, aiohttp, a messenger's long connection) builds a :class:`Turn` in one
middleware, runs its handler inside :func:`owned`, and maps a ``ContestError`` to its own
reply. Handlers read ``(event, turn)``; the core functions they call take what they need
from it and never commit: :func:`owned` commits once when the handler returns.

A refusal is an expected outcome: :func:`owned` rolls the turn's writes back, then commits
what the refusal asked to keep (an organiser action's audit row, see
:attr:`contest.errors.ContestError.keep`), and re-raises for the edge to render. ``lang``
and ``worker_id`` are plain values taken when the turn is built, so an error reply never
reads an ORM object that the rollback expired.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contest.admin.policy import Actor
from contest.errors import ContestError
from contest.models import Worker
from storage.types import Clock, fixed_clock, utcnow


@dataclass(slots=True)
class Turn:
    """The context of one update: its session, its worker and actor, language, receipt time.

    ``clock`` answers the receipt time (deadlines, speed bonus and tie-breaks count from
    when the update arrived, not from when a busy process got to it); ``wall`` is the live
    clock, for what a reply shows as "now" (a countdown).
    """

    session: AsyncSession
    received_at: datetime
    lang: str
    tz: str
    via: str
    worker: Worker | None = None
    actor: Actor | None = None
    wall: Clock = utcnow
    worker_id: int | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.worker_id = None if self.worker is None else self.worker.id

    @property
    def clock(self) -> Clock:
        return fixed_clock(self.received_at)

    @property
    def me(self) -> Worker:
        """The worker acting (a handler behind a "registered" filter may rely on it)."""
        if self.worker is None:
            raise ContestError("not_registered")
        return self.worker

    @property
    def my_id(self) -> int:
        """The acting worker's id (taken when the turn was built: safe after a rollback)."""
        if self.worker_id is None:
            raise ContestError("not_registered")
        return self.worker_id

    @property
    def acting(self) -> Actor:
        """Who acts, for the core's permission policy (an organiser router may rely on it)."""
        if self.actor is None:
            raise ContestError("denied")
        return self.actor

    def set_worker(self, worker: Worker | None) -> None:
        """The worker now acting (registration creates one mid-turn)."""
        self.worker = worker
        self.worker_id = None if worker is None else worker.id
        if worker is not None and worker.language:
            self.lang = worker.language


@asynccontextmanager
async def owned(session: AsyncSession) -> AsyncIterator[None]:
    """The turn's transaction: one commit at the end; on a refusal, a rollback that keeps
    only what the refusal asked to keep; on anything else, a rollback."""
    try:
        yield
    except ContestError as error:
        await settle_refusal(session, error)
        raise
    except BaseException:
        if session.in_transaction():
            await session.rollback()
        raise
    if session.in_transaction():
        await session.commit()


async def settle_refusal(session: AsyncSession, error: ContestError) -> None:
    """Undo the turn's writes after a refusal and commit only what it asked to keep.

    Edges that reply to a refusal inside the turn (aiogram's per-router error reply) call
    this before they render; :func:`owned` calls it for the others.
    """
    if session.in_transaction():
        await session.rollback()
    if error.keep:
        session.add_all(error.keep)
        error.keep = []
        await session.commit()
