"""The one permission policy and its audit: scopes, refusals by the core, the operator."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.admin import broadcast, chats, competitions, people, schedules
from contest.admin.policy import Actor, Denied
from contest.errors import ContestError
from contest.models import (
    Attempt,
    AttemptKind,
    Competition,
    CompetitionStatus,
    Standing,
    Team,
    Worker,
)
from contest.outbox import OutboxMessage
from tests.conftest import MovableClock
from tests.contest.admin.conftest import GLOBAL, SCOPED, STRANGER, SUPER, Factory, World, audit_rows
from tests.turns import turn


async def test_a_competition_organiser_manages_only_their_competition(
    world: World, session_factory: Factory, clock: MovableClock
) -> None:
    async with session_factory() as session:
        opened = await turn(
            session,
            competitions.open_competition(
                session, actor=SCOPED, competition_id=world.mine, clock=clock
            ),
        )
        assert opened.status == CompetitionStatus.OPEN
        with pytest.raises(Denied) as refused:
            await turn(
                session,
                competitions.close_competition(
                    session, actor=SCOPED, competition_id=world.other, clock=clock
                ),
            )
    assert (refused.value.code, refused.value.params) == (
        "denied_competition",
        {"competition_id": world.other},
    )
    outcomes = [(e.action, e.outcome) for e in await audit_rows(session_factory)]
    assert outcomes == [("competition.open", "ok"), ("competition.close", "denied")]


async def test_roster_changes_need_an_organiser_of_all_competitions(
    world: World, session_factory: Factory, clock: MovableClock
) -> None:
    """/move was open to competition organisers although roster changes were not."""
    async with session_factory() as session:
        with pytest.raises(Denied) as refused:
            await turn(
                session,
                people.move(
                    session, actor=SCOPED, worker_ref="E001", join_code=world.team_code, clock=clock
                ),
            )
        moved = await turn(
            session,
            people.move(
                session, actor=GLOBAL, worker_ref="E001", join_code=world.team_code, clock=clock
            ),
        )
    assert refused.value.code == "denied_global" and moved.changed


async def test_a_failed_move_is_audited_with_its_reason(
    world: World, session_factory: Factory, clock: MovableClock
) -> None:
    async with session_factory() as session:
        with pytest.raises(ContestError) as failed:
            await turn(
                session,
                people.move(
                    session, actor=GLOBAL, worker_ref="E404", join_code=world.team_code, clock=clock
                ),
            )
    assert failed.value.code == "worker_not_found"
    (entry,) = await audit_rows(session_factory)
    assert (entry.action, entry.outcome, entry.detail["code"]) == (
        "worker.move",
        "refused",
        "worker_not_found",
    )


async def test_a_refused_change_rolls_back_its_partial_writes(
    world: World, session_factory: Factory, clock: MovableClock
) -> None:
    async with session_factory() as session:
        await turn(
            session,
            competitions.close_competition(
                session, actor=SUPER, competition_id=world.other, clock=clock
            ),
        )
        with pytest.raises(ContestError) as failed:
            await turn(
                session,
                competitions.close_competition(
                    session, actor=SUPER, competition_id=world.other, clock=clock
                ),
            )
    assert failed.value.code == "bad_transition"
    outcomes = [(e.action, e.outcome) for e in await audit_rows(session_factory)]
    assert outcomes == [("competition.close", "ok"), ("competition.close", "refused")]


def _bind(
    session: AsyncSession,
    clock: MovableClock,
    actor: Actor,
    competition_id: int,
    chat_id: int,
    lang: str = "zh",
) -> Awaitable[Any]:
    """Bind the Telegram group ``chat_id`` (群) to the competition, in a turn of its own."""
    return turn(
        session,
        chats.bind(
            session,
            actor=actor,
            competition_id=competition_id,
            chat_id=chat_id,
            title="群",
            language=lang,
            clock=clock,
        ),
    )


async def test_bind_refused_and_bound_share_one_action_name(
    world: World, session_factory: Factory, clock: MovableClock
) -> None:
    async with session_factory() as session:
        with pytest.raises(Denied):
            await _bind(session, clock, STRANGER, world.mine, -5)
        await _bind(session, clock, SCOPED, world.mine, -5, lang="en")
        again = await _bind(session, clock, SCOPED, world.mine, -5, lang="en")
    assert again.outcome == "already"
    outcomes = [(e.action, e.outcome) for e in await audit_rows(session_factory)]
    assert outcomes == [("chat.bind", "denied"), ("chat.bind", "ok"), ("chat.bind", "unchanged")]


async def test_unbind_leaves_other_organisers_bindings(
    world: World, session_factory: Factory, clock: MovableClock
) -> None:
    async with session_factory() as session:
        await _bind(session, clock, SUPER, world.mine, -7)
        await _bind(session, clock, SUPER, world.other, -7)
        assert (
            await turn(session, chats.unbind(session, actor=SCOPED, chat_id=-7, clock=clock)) == 1
        )
        with pytest.raises(Denied):
            await turn(session, chats.unbind(session, actor=SCOPED, chat_id=-7, clock=clock))
        assert (
            await turn(session, chats.unbind(session, actor=SCOPED, chat_id=-99, clock=clock)) == 0
        )


async def test_pickers_list_only_what_the_organiser_manages(
    world: World, session_factory: Factory, clock: MovableClock
) -> None:
    async with session_factory() as session:
        mine = await turn(
            session,
            competitions.managed_competitions(
                session, actor=SCOPED, action="results.export", clock=clock
            ),
        )
        every = await turn(
            session,
            competitions.managed_competitions(
                session, actor=GLOBAL, action="results.export", clock=clock
            ),
        )
        listed = [c.id for c in mine], [c.id for c in every]  # read before the refusal's rollback
        with pytest.raises(Denied):
            await turn(
                session,
                competitions.managed_competitions(
                    session, actor=STRANGER, action="results.export", clock=clock
                ),
            )
    assert listed == ([world.mine], [world.other, world.mine])  # newest first
    (entry,) = await audit_rows(session_factory)
    assert (entry.action, entry.outcome) == ("results.export", "denied")


async def test_only_the_operator_pauses_the_bots_own_jobs(
    world: World, session_factory: Factory, clock: MovableClock
) -> None:
    async with session_factory() as session:
        with pytest.raises(Denied) as refused:
            await turn(
                session,
                schedules.pause_schedule(session, actor=GLOBAL, key="sync_statuses", clock=clock),
            )
        assert refused.value.code == "denied_super"
        assert await turn(
            session,
            schedules.pause_schedule(
                session, actor=Actor.operator(), key="sync_statuses", clock=clock
            ),
        )
        with pytest.raises(ContestError) as unknown:
            await turn(
                session, schedules.pause_schedule(session, actor=SUPER, key="nonsense", clock=clock)
            )
    assert unknown.value.code == "unknown_schedule"
    cli = [e for e in await audit_rows(session_factory) if e.outcome == "ok"]
    assert [(e.actor_id, e.detail["via"]) for e in cli] == [(0, "cli")]


async def test_organiser_schedules_show_what_they_scheduled_with_the_next_time(
    world: World, session_factory: Factory, clock: MovableClock
) -> None:
    async with session_factory() as session:
        await turn(
            session,
            schedules.pause_schedule(
                session, actor=SCOPED, key=f"remind:{world.mine}", clock=clock
            ),
        )
        entries = await turn(
            session, schedules.organiser_schedules(session, actor=SCOPED, clock=clock)
        )
    kinds = [(e.kind, e.paused) for e in entries]
    assert kinds == [("announce", False), ("final", False), ("remind", True)]
    announce = entries[0]
    assert announce.cadence is not None and announce.cadence.kind == "daily"
    assert announce.next_at is not None and announce.next_at.hour == 18  # local time
    assert all(not e.key.startswith(("sync", "expire")) for e in entries)


async def test_stats_do_not_count_organisers_as_participants(
    world: World, session_factory: Factory, clock: MovableClock
) -> None:
    async with session_factory() as session:
        team = (await session.execute(select(Team))).scalar_one()
        session.add(
            Worker(
                telegram_id=GLOBAL.user_id,
                real_name="组织者",
                team_id=team.id,
                registered_at=clock(),
            )
        )
        worker = await session.get(Worker, world.worker_id)
        assert worker is not None
        worker.team_id = team.id
        session.add(
            Attempt(
                worker_id=world.worker_id, competition_id=world.other, kind=AttemptKind.COMPETITION
            )
        )
        # Starting writes the worker's standing: taking part is what the boards count.
        session.add(Standing(competition_id=world.other, worker_id=world.worker_id,
                             team_id=team.id))  # fmt: skip
        await session.commit()
        stats = await turn(
            session,
            competitions.competition_stats(
                session, actor=GLOBAL, competition_id=world.other, clock=clock, not_counted={900}
            ),
        )
    assert [(r.name, r.participants, r.registered) for r in stats.teams] == [("检验一班", 1, 1)]


async def test_broadcast_reaches_each_worker_in_their_language_once(
    world: World, session_factory: Factory, clock: MovableClock
) -> None:
    async with session_factory() as session:
        session.add(Worker(telegram_id=5002, real_name="Li", language="en", registered_at=clock()))
        await session.commit()

        async def send() -> int:
            return await turn(
                session,
                broadcast.queue_broadcast(
                    session,
                    actor=GLOBAL,
                    competition_id=world.other,
                    batch=f"{world.other}-x1",
                    text="hi",
                    compose=lambda lang: f"[{lang}]",
                    clock=clock,
                ),
            )

        assert await send() == 2
        assert await send() == 0  # a second 确认 queues nothing new
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
        progress = await turn(
            session,
            broadcast.progress(session, actor=GLOBAL, batch=f"{world.other}-x1", clock=clock),
        )
    assert sorted((r.chat_id, r.text) for r in rows) == [(5001, "[zh]"), (5002, "[en]")]
    assert progress.pending == 2
    outcomes = [e.outcome for e in await audit_rows(session_factory)]
    assert outcomes == ["ok", "unchanged"]


async def test_create_from_yaml_names_the_creator(
    world: World, session_factory: Factory, clock: MovableClock
) -> None:
    text = (
        "name: 新赛\nstarts_at: 2026-09-02 09:00\nends_at: 2026-09-03 09:00\n"
        "rules:\n  composition:\n    - {type: 单选, count: 2}\n"
    )
    async with session_factory() as session:
        created = await turn(
            session,
            competitions.create_competition(
                session, actor=Actor.operator(), yaml_text=text, clock=clock
            ),
        )
        row = await session.get(Competition, created.id)
    assert row is not None and row.created_by == "cli"
    (entry,) = await audit_rows(session_factory)
    assert entry.detail["competition_id"] == created.id
