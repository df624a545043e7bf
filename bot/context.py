"""What one update carries while it is handled: its database session and its receipt time.

Set by :class:`bot.middlewares.DbSessionMiddleware` for the duration of an update, so the
FSM storage reads and writes through the update's own session (one session per update) and
the sender can end the update's open transaction before it talks to Telegram (no connection
is ever held across a Bot API call).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

Write = Callable[[AsyncSession], Awaitable[None]]
"""A small idempotent write that may wait for the intake's next batch (flushes, no commit)."""


@dataclass
class UpdateContext:
    session: AsyncSession
    received_at: datetime
    # FSM rows read ahead with the worker (key -> (state, data), or None when absent).
    fsm: dict[str, tuple[str | None, dict[str, Any]] | None] = field(default_factory=dict)
    # Where writes that may wait go: the intake stores them with the update's done mark.
    later: list[Write] | None = None


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


async def write_soon(write: Write) -> None:
    """Run ``write`` in the intake's next batch transaction, with the update's done mark.

    For the bookkeeping after a reply — when Telegram accepted a question, which message
    shows it — a crowd's worth of these share one commit instead of one each. Without an
    intake (a test feeding the dispatcher directly) it runs at once on the update's session.
    """
    context = _current.get()
    if context is not None and context.later is not None:
        context.later.append(write)
        return
    if context is None:
        raise RuntimeError("write_soon outside an update")
    await write(context.session)
    await context.session.commit()
