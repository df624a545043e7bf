"""Organiser grants, the audit log and participation per team, on a real database."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from contest.admin.audit import record
from contest.admin.policy import Actor
from contest.errors import ContestError
from contest.models import (
    Attempt,
    AttemptKind,
    AttemptStatus,
    Competition,
    Standing,
    Team,
    Worker,
)
from contest.organisers import (
    find_worker_by_username,
    grant_organiser,
    has_grant,
    latest_audit,
    list_organisers,
    revoke_organiser,
)
from contest.participation import broadcast_recipients, participation_by_team
from tests.conftest import MovableClock
from tests.contest.helpers import competition as make_competition
from tests.turns import turn


async def test_grant_is_idempotent_per_scope(session: AsyncSession, clock: MovableClock) -> None:
    c = await make_competition(session)
    first = await turn(session, grant_organiser(session, telegram_id=5, granted_by=1, clock=clock))
    again = await turn(session, grant_organiser(session, telegram_id=5, granted_by=1, clock=clock))
    scoped = await turn(
        session, grant_organiser(session, telegram_id=5, granted_by=1, competition_id=c.id)
    )
    assert (first.created, again.created, scoped.created) == (True, False, True)
    assert [(o.telegram_id, o.competition_id) for o in await list_organisers(session)] == [
        (5, None), (5, c.id)]  # fmt: skip


async def test_grant_for_a_missing_competition_is_refused(session: AsyncSession) -> None:
    with pytest.raises(ContestError) as caught:
        await grant_organiser(session, telegram_id=5, granted_by=1, competition_id=404)
    assert caught.value.code == "competition_not_found"
    assert await list_organisers(session) == []


async def test_revoke_one_scope_or_all(session: AsyncSession) -> None:
    c = await make_competition(session)
    await turn(session, grant_organiser(session, telegram_id=5, granted_by=1))
    await turn(session, grant_organiser(session, telegram_id=5, granted_by=1, competition_id=c.id))
    assert await turn(session, revoke_organiser(session, telegram_id=5, competition_id=c.id)) == 1
    assert await turn(session, revoke_organiser(session, telegram_id=5)) == 1
    assert await turn(session, revoke_organiser(session, telegram_id=5)) == 0


async def test_username_lookup_ignores_case_and_at_sign(session: AsyncSession) -> None:
    session.add(Worker(telegram_id=77, username="Li_Si", real_name="李四"))
    session.add(Worker(telegram_id=None, username="ghost", real_name="未注册"))
    await session.commit()
    found = await find_worker_by_username(session, username="@li_si")
    assert found is not None and found.telegram_id == 77
    assert await find_worker_by_username(session, username="ghost") is None


async def test_audit_rows_come_back_newest_first(
    session: AsyncSession, clock: MovableClock
) -> None:
    record(session, Actor(1), "organiser.grant", outcome="ok", detail={"telegram_id": 5},
           clock=clock)  # fmt: skip
    clock.advance(minutes=1)
    record(session, Actor(2), "competition.open", outcome="denied", clock=clock)
    await session.commit()
    entries = await latest_audit(session, limit=10)
    assert [(e.actor_id, e.action, e.outcome) for e in entries] == [
        (2, "competition.open", "denied"), (1, "organiser.grant", "ok")]  # fmt: skip
    assert entries[1].detail == {"via": "telegram", "telegram_id": 5}


async def test_participation_counts_every_team_with_members(session: AsyncSession) -> None:
    c: Competition = await make_competition(session)
    a, b = Team(name="一班", join_code="A1"), Team(name="二班", join_code="B1")
    session.add_all([a, b])
    await session.flush()
    workers = [Worker(telegram_id=100 + i, team_id=(a.id if i < 2 else b.id)) for i in range(3)]
    workers.append(Worker(telegram_id=None, employee_no="E9", team_id=b.id))  # roster only
    session.add_all(workers)
    await session.flush()
    for attempt_no in (1, 2):  # two attempts of one worker count once
        session.add(Attempt(worker_id=workers[0].id, competition_id=c.id, number=attempt_no,
                            kind=AttemptKind.COMPETITION,
                            status=AttemptStatus.FINISHED))  # fmt: skip
    session.add(Standing(competition_id=c.id, worker_id=workers[0].id, team_id=a.id))
    await session.commit()
    rows = await participation_by_team(session, competition_id=c.id)
    # The roster-only member of 二班 can take part: they count, as on the boards and export.
    assert [(r.name, r.participants, r.registered) for r in rows] == [("一班", 1, 2),
                                                                       ("二班", 0, 2)]  # fmt: skip
    assert rows[0].rate == 0.5
    assert await broadcast_recipients(session) == [(100, "zh"), (101, "zh"), (102, "zh")]


async def test_has_grant_tells_global_from_scoped_organisers(session: AsyncSession) -> None:
    one, two = await make_competition(session), await make_competition(session)
    await turn(session, grant_organiser(session, telegram_id=11, granted_by=1))  # all competitions
    await turn(
        session, grant_organiser(session, telegram_id=22, granted_by=1, competition_id=one.id)
    )
    assert await has_grant(session, telegram_id=11, global_only=True)
    assert await has_grant(session, telegram_id=11, competition_id=two.id)
    assert not await has_grant(session, telegram_id=22, global_only=True)
    assert await has_grant(session, telegram_id=22, competition_id=one.id)
    assert not await has_grant(session, telegram_id=22, competition_id=two.id)
    assert await has_grant(session, telegram_id=22)  # an organiser of something
    assert not await has_grant(session, telegram_id=33)
