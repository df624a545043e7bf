"""Organiser actions of the web face: big-screen links, group robots, the browser quiz's
roster login and its sheet of personal links. Each goes through the one policy and audit;
no secret (a robot's URL key, its signing secret, a screen token) is written to the audit."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contest import big_screen, robots, web_access
from contest.admin.audit import counted, outcome, perform
from contest.admin.policy import Actor
from contest.competitions import require_competition
from contest.models import Competition, Worker
from storage.types import Clock


async def issue_screen(
    session: AsyncSession, *, actor: Actor, competition_id: int, language: str, clock: Clock
) -> big_screen.ScreenToken:
    """A new big-screen link for the competition."""

    async def work() -> big_screen.ScreenToken:
        return await big_screen.issue_screen(
            session,
            competition_id=competition_id,
            created_by=actor.user_id,
            language=language,
            clock=clock,
        )

    def describe(screen: big_screen.ScreenToken) -> tuple[str, dict[str, Any]]:
        return outcome(True, screen_id=screen.id)

    return await perform(
        session,
        actor,
        "screen.issue",
        work,
        competition_id=competition_id,
        describe=describe,
        clock=clock,
    )


async def revoke_screens(
    session: AsyncSession, *, actor: Actor, competition_id: int, clock: Clock
) -> int:
    """Every big-screen link of the competition stops working; how many did."""

    async def work() -> int:
        return await big_screen.revoke_screens(session, competition_id=competition_id, clock=clock)

    return await perform(
        session,
        actor,
        "screen.revoke",
        work,
        competition_id=competition_id,
        describe=counted("revoked"),
        clock=clock,
    )


async def bind_robot(
    session: AsyncSession,
    *,
    actor: Actor,
    competition_id: int,
    platform: str,
    url: str,
    secret: str | None,
    language: str,
    extra_hosts: Collection[str],
    clock: Clock,
) -> robots.WebhookRobot:
    """A group robot receives the competition's announcements; a screen link is made for
    its messages to point at."""

    async def work() -> robots.WebhookRobot:
        robot = await robots.bind_robot(
            session,
            competition_id=competition_id,
            platform=platform,
            url=url,
            secret=secret,
            language=language,
            created_by=actor.user_id,
            extra_hosts=extra_hosts,
            clock=clock,
        )
        await big_screen.live_screen(session, competition_id=competition_id, clock=clock)
        return robot

    def describe(robot: robots.WebhookRobot) -> tuple[str, dict[str, Any]]:
        return outcome(True, robot_id=robot.id)

    detail = {"platform": platform[:16], "host": robots.masked(url), "signed": bool(secret)}
    return await perform(
        session,
        actor,
        "robot.bind",
        work,
        competition_id=competition_id,
        detail=detail,
        describe=describe,
        clock=clock,
    )


async def unbind_robots(
    session: AsyncSession, *, actor: Actor, competition_id: int, clock: Clock
) -> int:
    async def work() -> int:
        return await robots.unbind_robots(session, competition_id=competition_id)

    return await perform(
        session,
        actor,
        "robot.unbind",
        work,
        competition_id=competition_id,
        describe=counted("removed"),
        clock=clock,
    )


async def set_roster_login(
    session: AsyncSession, *, actor: Actor, competition_id: int, enabled: bool, clock: Clock
) -> bool:
    """Allow (or stop) 工号 + 姓名 login to the competition's browser quiz."""

    async def work() -> bool:
        return await web_access.set_roster_login(
            session,
            competition_id=competition_id,
            enabled=enabled,
            changed_by=actor.user_id,
            clock=clock,
        )

    return await perform(
        session,
        actor,
        "web.login",
        work,
        competition_id=competition_id,
        detail={"enabled": enabled},
        describe=lambda changed: outcome(changed),
        clock=clock,
    )


async def link_sheet_rows(
    session: AsyncSession, *, actor: Actor, competition_id: int, clock: Clock
) -> tuple[Competition, list[tuple[Worker, str]]]:
    """The competition and its roster (with team paths) for the personal-links sheet."""

    async def work() -> tuple[Competition, list[tuple[Worker, str]]]:
        competition = await require_competition(session, competition_id=competition_id)
        return competition, await web_access.link_roster(session)

    return await perform(
        session,
        actor,
        "web.links",
        work,
        competition_id=competition_id,
        describe=lambda result: outcome(True, workers=len(result[1])),
        clock=clock,
    )
