"""Group chats and reachability: which chats announce a competition (/bind), and chats we
can no longer reach (a worker who blocked the bot, a group that removed it)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.competitions import require_competition
from contest.models import ChatBinding, Worker
from storage.types import Clock, utcnow


class BindOutcome(StrEnum):
    BOUND = "bound"
    ALREADY = "already"


@dataclass(frozen=True)
class BindResult:
    outcome: BindOutcome
    competition_name: str = ""


async def bind_chat(
    session: AsyncSession,
    *,
    competition_id: int,
    chat_id: int,
    title: str,
    created_by: int,
    language: str = "zh",
    clock: Clock = utcnow,
) -> BindResult:
    """Bind a group or channel to a competition, announcing in ``language`` (re-activates an
    old binding; binding again changes only the language). An unknown competition is
    ``ContestError("competition_not_found")``."""
    competition = await require_competition(session, competition_id=competition_id)
    binding = (
        await session.execute(
            select(ChatBinding).where(
                col(ChatBinding.competition_id) == competition_id,
                col(ChatBinding.chat_id) == chat_id,
            )
        )
    ).scalar_one_or_none()
    outcome = BindOutcome.BOUND
    if binding is not None and binding.active:
        outcome = BindOutcome.ALREADY
    elif binding is None:
        binding = ChatBinding(
            competition_id=competition_id,
            chat_id=chat_id,
            created_by=created_by,
            created_at=clock(),
        )
        session.add(binding)
    binding.active, binding.title, binding.language = True, title[:255], language
    await session.flush()
    return BindResult(outcome, competition.name)


async def chat_competitions(session: AsyncSession, *, chat_id: int) -> list[int]:
    """The competitions ``chat_id`` is bound to."""
    query = select(col(ChatBinding.competition_id)).where(col(ChatBinding.chat_id) == chat_id)
    return sorted(set((await session.execute(query)).scalars()))


async def unbind_chat(
    session: AsyncSession, *, chat_id: int, competition_ids: Collection[int]
) -> int:
    """Remove the bindings of ``chat_id`` to ``competition_ids``; the number removed."""
    result = await session.execute(
        delete(ChatBinding).where(
            col(ChatBinding.chat_id) == chat_id,
            col(ChatBinding.competition_id).in_(list(competition_ids)),
        )
    )
    await session.flush()
    return int(result.rowcount)  # type: ignore[attr-defined]


async def mark_chat_unreachable(session: AsyncSession, *, chat_id: int) -> None:
    """Stop sending to ``chat_id``: the worker becomes inactive, group bindings inactive."""
    await session.execute(
        update(Worker).where(col(Worker.telegram_id) == chat_id).values(active=False)
    )
    await session.execute(
        update(ChatBinding).where(col(ChatBinding.chat_id) == chat_id).values(active=False)
    )


async def mark_chat_reachable(session: AsyncSession, *, chat_id: int) -> None:
    """A worker who writes to the bot again is active again."""
    await session.execute(
        update(Worker).where(col(Worker.telegram_id) == chat_id).values(active=True)
    )
