"""Question clocks moved to the moment their JSON was served, many in one transaction.

A question's clock starts when the worker can see it (:mod:`contest.attempts.state`). The
answer that showed it was received earlier, and under a crowd the reply is served tens of
milliseconds after that: the clock is moved forward to the serve time, after the answer's
own transaction has committed. One move per answer would be a second write transaction
per answer; instead the moves of every reply served within ``gather_s`` go in one statement
and one commit, the way the inbox batches its writes (:mod:`bot.intake`).

Nothing the worker did waits for it: the answer is durable before its reply. A move only
goes forward and only while the question is unanswered, so a move that arrives after the
answer (or never, if the process dies first) leaves the earlier, provisional start — a few
milliseconds against the worker, never in their favour twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.attempts.state import questions_delivered
from contest.quizview import QuestionView

logger = logging.getLogger(__name__)

GATHER_S = 0.005
MAX_BATCH = 500


class ServedClocks:
    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], *, gather_s: float = GATHER_S
    ) -> None:
        self.session_factory = session_factory
        self.gather_s = gather_s
        self._pending: list[tuple[QuestionView, datetime]] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, view: QuestionView, at: datetime) -> None:
        """Move ``view``'s clock to ``at`` soon (with the others served meanwhile)."""
        self._pending.append((view, at))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        while self._pending:
            await asyncio.sleep(self.gather_s)
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                async with self.session_factory() as session:
                    await questions_delivered(session, served=batch)
                    await session.commit()
            except Exception:  # the clocks keep their provisional start; answers are safe
                logger.exception("moving %d question clocks to their serve time", len(batch))

    async def flush(self) -> None:
        """Until every move handed in so far is written (shutdown, tests)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def close(self, _app: object = None) -> None:
        await self.flush()
