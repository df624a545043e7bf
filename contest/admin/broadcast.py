"""Organiser action: a message to every registered worker, through the outbox.

Each worker reads it in their own language: the edge passes ``compose`` (language → the
message), the core picks the recipients and queues one row each with the dedup key
``broadcast:<batch>:<chat>``, so queueing the same batch again adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from contest.admin.audit import authorize, counted, perform
from contest.admin.policy import Actor
from contest.competitions import require_competition
from contest.errors import ContestError
from contest.outbox import BatchProgress, batch_progress, enqueue
from contest.participation import broadcast_recipients
from storage.types import Clock

TEXT_LIMIT = 3500  # leaves room for the heading inside Telegram's 4096


def batch_name(batch: str) -> str:
    return f"broadcast:{batch}"


def competition_of(batch: str) -> int:
    """The competition a batch ``<competition>-<token>`` belongs to."""
    head = batch.split("-", 1)[0]
    if not head.isdigit():
        raise ContestError("broadcast_not_found", batch=batch)
    return int(head)


async def recipient_count(
    session: AsyncSession, *, actor: Actor, competition_id: int, clock: Clock
) -> int:
    """How many workers a broadcast for ``competition_id`` would reach."""
    await authorize(session, actor, "broadcast.queue", competition_id=competition_id, clock=clock)
    await require_competition(session, competition_id=competition_id)
    return len(await broadcast_recipients(session))


async def queue_broadcast(
    session: AsyncSession,
    *,
    actor: Actor,
    competition_id: int,
    batch: str,
    text: str,
    compose: Callable[[str], str],
    clock: Clock,
) -> int:
    """Queue ``batch`` (``<competition>-<token>``) to every registered worker; how many new."""
    if not text.strip() or len(text) > TEXT_LIMIT:
        raise ContestError("bad_broadcast_text", limit=TEXT_LIMIT, count=TEXT_LIMIT)

    async def work() -> int:
        await require_competition(session, competition_id=competition_id)
        texts: dict[str, str] = {}
        queued = 0
        for chat_id, language in await broadcast_recipients(session):
            message = texts.setdefault(language, compose(language))
            queued += await enqueue(
                session,
                dedup_key=f"{batch_name(batch)}:{chat_id}",
                chat_id=chat_id,
                text=message,
                batch=batch_name(batch),
                clock=clock,
            )
        return queued

    return await perform(
        session,
        actor,
        "broadcast.queue",
        work,
        competition_id=competition_id,
        detail={"batch": batch},
        describe=counted("queued"),
        clock=clock,
    )


async def progress(
    session: AsyncSession, *, actor: Actor, batch: str, clock: Clock
) -> BatchProgress:
    """How far a batch got (sent, failed, blocked, pending)."""
    await authorize(
        session, actor, "broadcast.queue", competition_id=competition_of(batch), clock=clock
    )
    return await batch_progress(session, batch=batch_name(batch))
