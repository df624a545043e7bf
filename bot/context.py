"""What one update carries while it is handled: its database session and its receipt time.

Set by :class:`bot.middlewares.DbSessionMiddleware` for the duration of an update, so the
FSM storage reads and writes through the update's own session (one session per update) and
the sender can end the update's open transaction before it talks to Telegram (no connection
is ever held across a Bot API call).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass
class UpdateContext:
    session: AsyncSession
    received_at: datetime
    # FSM rows read ahead with the worker (key -> (state, data), or None when absent).
    fsm: dict[str, tuple[str | None, dict[str, Any]] | None] = field(default_factory=dict)


_current: ContextVar[UpdateContext | None] = ContextVar("qualityquiz_update", default=None)


def current_update() -> UpdateContext | None:
    """The update being handled in this task, if any."""
    return _current.get()


@contextmanager
def update_context(context: UpdateContext) -> Iterator[UpdateContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


async def end_transaction() -> None:
    """Commit the current update's open transaction so its connection goes back to the pool.

    The sender calls this before every Bot API request. Handlers commit their writes before
    they reply (the core functions do); this is the guarantee that a read left open, or an
    FSM write riding along, never keeps a connection while Telegram or a limiter is awaited.
    """
    context = _current.get()
    if context is not None and context.session.in_transaction():
        await context.session.commit()
