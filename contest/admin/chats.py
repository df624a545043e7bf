"""Organiser actions on group chats: bind one to a competition's announcements, unbind."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contest.admin.audit import counted, outcome, perform
from contest.admin.policy import Actor, Need, managed_ids
from contest.chats import BindOutcome, BindResult, bind_chat, chat_competitions, unbind_chat
from storage.types import Clock


async def bind(
    session: AsyncSession,
    *,
    actor: Actor,
    competition_id: int,
    chat_id: int,
    title: str,
    language: str,
    clock: Clock,
) -> BindResult:
    """This chat receives ``competition_id``'s leaderboards, in ``language``."""

    async def work() -> BindResult:
        return await bind_chat(
            session,
            competition_id=competition_id,
            chat_id=chat_id,
            title=title,
            created_by=actor.user_id,
            language=language,
            clock=clock,
        )

    def describe(result: BindResult) -> tuple[str, dict[str, Any]]:
        return outcome(result.outcome is not BindOutcome.ALREADY)

    detail = {"chat_id": chat_id, "language": language}
    return await perform(
        session,
        actor,
        "chat.bind",
        work,
        competition_id=competition_id,
        detail=detail,
        describe=describe,
        clock=clock,
    )


async def unbind(session: AsyncSession, *, actor: Actor, chat_id: int, clock: Clock) -> int:
    """Remove this chat's bindings to the competitions ``actor`` organises; how many went.

    A chat bound only to competitions of other organisers is refused."""
    bound = await chat_competitions(session, chat_id=chat_id)
    scope = await managed_ids(session, actor)
    mine = [c for c in bound if scope is None or c in scope]

    async def work() -> int:
        return await unbind_chat(session, chat_id=chat_id, competition_ids=mine)

    first = next(iter(mine or bound), None)
    need = None if bound else Need.ORGANISER  # nothing bound: any organiser may ask
    return await perform(
        session,
        actor,
        "chat.unbind",
        work,
        competition_id=first,
        need=need,
        detail={"chat_id": chat_id},
        describe=counted("removed"),
        clock=clock,
    )
