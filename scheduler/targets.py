"""Who receives what: chat bindings (/bind), reminder and practice-push preferences."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.models import ChatBinding, Competition, Worker
from storage.types import Clock, utcnow


class BindOutcome(StrEnum):
    BOUND = "bound"
    ALREADY = "already"
    NOT_FOUND = "not_found"


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
    old binding; binding again changes only the language). Commits."""
    competition = await session.get(Competition, competition_id)
    if competition is None:
        return BindResult(BindOutcome.NOT_FOUND)
    binding = (
        await session.execute(
            select(ChatBinding).where(
                col(ChatBinding.competition_id) == competition_id,
                col(ChatBinding.chat_id) == chat_id,
            )
        )
    ).scalar_one_or_none()
    if binding is not None and binding.active:
        if binding.language != language:
            binding.language = language
            await session.commit()
        return BindResult(BindOutcome.ALREADY, competition.name)
    if binding is None:
        binding = ChatBinding(
            competition_id=competition_id,
            chat_id=chat_id,
            created_by=created_by,
            created_at=clock(),
        )
        session.add(binding)
    binding.active, binding.title, binding.language = True, title[:255], language
    await session.commit()
    return BindResult(BindOutcome.BOUND, competition.name)


async def unbind_chat(session: AsyncSession, *, chat_id: int) -> int:
    """Remove every binding of ``chat_id``; the number removed. Commits."""
    result = await session.execute(delete(ChatBinding).where(col(ChatBinding.chat_id) == chat_id))
    await session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


async def bound_chats(session: AsyncSession, *, competition_id: int) -> list[tuple[int, str]]:
    """Active chats bound to a competition, each with the language it reads announcements in."""
    query = select(col(ChatBinding.chat_id), col(ChatBinding.language)).where(
        col(ChatBinding.competition_id) == competition_id, col(ChatBinding.active).is_(True)
    )
    return sorted({(chat_id, lang) for chat_id, lang in (await session.execute(query)).all()})


async def set_muted(session: AsyncSession, *, worker_id: int, muted: bool) -> None:
    """/mute and /unmute: reminders off or on. Commits."""
    worker = await session.get(Worker, worker_id)
    if worker is not None:
        worker.muted = muted
        await session.commit()


async def set_practice_push(session: AsyncSession, *, worker_id: int, enabled: bool) -> None:
    """/practice_push on|off. Commits."""
    worker = await session.get(Worker, worker_id)
    if worker is not None:
        worker.practice_push = enabled
        await session.commit()
