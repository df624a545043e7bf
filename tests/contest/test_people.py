"""One person, one record: names, 待确认 workers, denominators, merging keeps the answers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest import workers
from contest.admin import people as admin_people
from contest.admin.policy import Actor
from contest.errors import ContestError
from contest.models import Attempt, AuditEntry, PracticeDay, Standing, TeamStanding, Worker
from contest.participation import participation_by_team
from contest.people import confirm_worker, merge_workers, pending_workers
from contest.standings import refresh_team_standings
from tests.contest.helpers import T0, attempt, competition, team
from tests.turns import turn


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("\u202e人工智能\u202d", "人工智能"), ("张\u200b三", "张三"), ("李\u2066四\u2069", "李四"),
     ("王\t五", "王 五")],
)  # fmt: skip
def test_control_and_invisible_characters_are_stripped(typed: str, stored: str) -> None:
    assert workers.clean_name(typed) == stored


@pytest.mark.parametrize("typed", ["\u200b\u200b", "\u202e\u202d", "\u2060\ufeff"])
def test_a_name_of_nothing_visible_is_refused(typed: str) -> None:
    with pytest.raises(ContestError) as caught:
        workers.clean_name(typed)
    assert caught.value.code == "name_invisible"


async def _register(session, clock, telegram_id: int, name: str, **kw) -> Worker:
    return await turn(
        session,
        workers.register_worker(
            session,
            telegram_id=telegram_id,
            username=None,
            real_name=name,
            employee_no=None,
            language="zh",
            clock=clock,
            **kw,
        ),
    )


async def test_without_a_roster_nobody_waits(session: AsyncSession, clock) -> None:
    worker = await _register(session, clock, 1, "张三")
    assert not worker.pending


async def test_registering_by_name_needs_the_join_links_team(session: AsyncSession, clock) -> None:
    a = await team(session, "一车间", "甲班")
    b = await team(session, "二车间", "甲班")
    session.add_all(
        [
            Worker(real_name="张伟", employee_no="E1", team_id=a.id, on_roster=True),
            Worker(real_name="张伟", employee_no="E2", team_id=b.id, on_roster=True),
        ]
    )
    await session.commit()
    found = await workers.roster_by_name(
        session, name=" 张伟", join_code=b.join_code, telegram_id=7
    )
    assert [(m.employee_no, m.team_path) for m in found] == [("E2", ("二车间", "甲班"))]
    assert await workers.roster_by_name(session, name="张伟", join_code=None, telegram_id=7) == []
    claimed = await _register(session, clock, 7, "张伟", roster_worker_id=found[0].worker_id)
    assert (claimed.employee_no, claimed.pending) == ("E2", False)
    # once claimed, another account no longer finds it
    assert (
        await workers.roster_by_name(session, name="张伟", join_code=b.join_code, telegram_id=8)
        == []
    )


async def _season(session: AsyncSession, clock):
    """甲班 (一车间) has 3 roster members; one of them, 王芳, registered by name without the
    join link and so became a 待确认 second record, and played."""
    c = await competition(session, team={"mode": "avg_registered"})
    a = await team(session, "一车间", "甲班")
    roster = [
        Worker(real_name=name, employee_no=f"E{i}", team_id=a.id, on_roster=True)
        for i, name in enumerate(["王芳", "李强", "陈静"])
    ]
    session.add_all(roster)
    await session.commit()
    duplicate = await _register(session, clock, 55, "王芳")
    duplicate.team_id = a.id
    await session.commit()
    await attempt(session, c, roster[1], score=8, time_s=60)
    await attempt(session, c, duplicate, score=6, time_s=50)
    session.add(PracticeDay(worker_id=duplicate.id, day=T0.date(), answered=3, correct=2))
    await session.commit()
    return c, a, roster, duplicate


async def test_a_pending_worker_counts_where_they_played_but_not_twice(
    session: AsyncSession, clock
) -> None:
    c, a, _roster, duplicate = await _season(session, clock)
    assert duplicate.pending
    row = await session.get(TeamStanding, (c.id, a.id))
    # 3 roster members + the 待确认 worker who played: (8 + 6) / 4
    assert (row.participants, row.registered, row.score) == (2, 4, 3.5)
    (stats,) = [r for r in await participation_by_team(session, competition_id=c.id)]
    assert (stats.name, stats.participants, stats.registered) == ("甲班", 2, 4)
    (waiting,) = await pending_workers(session)
    assert waiting.name == "王芳" and [w[1] for w in waiting.look_alikes] == ["E0"]


async def test_merging_keeps_the_answers_and_fixes_the_denominator(
    session: AsyncSession, clock
) -> None:
    c, a, roster, duplicate = await _season(session, clock)
    kept = await turn(
        session,
        admin_people.merge(
            session,
            actor=Actor(900, super_admin=True),
            keep_ref=f"#{roster[0].id}",
            drop_ref=f"#{duplicate.id}",
            clock=clock,
        ),
    )
    session.expunge_all()
    kept = await session.get(Worker, roster[0].id)
    assert (kept.telegram_id, kept.employee_no, kept.pending) == (55, "E0", False)
    assert await session.get(Worker, duplicate.id) is None
    moved = (await session.execute(select(Attempt).where(Attempt.worker_id == kept.id))).scalars()
    assert [x.score for x in moved] == [6]
    standing = await session.get(Standing, (c.id, kept.id))
    assert standing.score == 6
    row = await session.get(TeamStanding, (c.id, a.id))
    assert (row.participants, row.registered, row.score) == (2, 3, 4.7)  # 14 / 3
    day = await session.get(PracticeDay, (kept.id, T0.date()))
    assert (day.answered, day.correct) == (3, 2)
    audit = (await session.execute(select(AuditEntry))).scalars().one()
    assert (audit.action, audit.actor_id, audit.outcome) == ("worker.merge", 900, "ok")
    assert (audit.detail["drop_id"], audit.detail["drop_name"]) == (duplicate.id, "王芳")


async def test_merging_renumbers_attempts_of_both_records(session: AsyncSession, clock) -> None:
    c, _a, roster, duplicate = await _season(session, clock)
    await attempt(session, c, roster[0], score=9, time_s=90)  # both played
    await turn(
        session, merge_workers(session, keep_id=roster[0].id, drop_id=duplicate.id, clock=clock)
    )
    session.expunge_all()
    numbers = (
        await session.execute(
            select(Attempt.number, Attempt.score).where(Attempt.worker_id == roster[0].id)
        )
    ).all()
    assert sorted(numbers) == [(1, 9), (2, 6)]
    standing = await session.get(Standing, (c.id, roster[0].id))
    assert standing.score == 9  # best of the two (counting: best)


async def test_confirming_makes_a_newcomer_a_member(session: AsyncSession, clock) -> None:
    c, a, _roster, duplicate = await _season(session, clock)
    await turn(session, confirm_worker(session, worker_id=duplicate.id, clock=clock))
    await refresh_team_standings(session, competition_id=c.id, clock=clock)
    await session.commit()
    row = await session.get(TeamStanding, (c.id, a.id))
    assert row.registered == 4
    assert await pending_workers(session) == []


async def test_two_telegram_accounts_are_not_merged(session: AsyncSession, clock) -> None:
    one = await _register(session, clock, 1, "甲某")
    two = await _register(session, clock, 2, "乙某")
    with pytest.raises(ContestError) as caught:
        await merge_workers(session, keep_id=one.id, drop_id=two.id, clock=clock)
    assert caught.value.code == "two_accounts"
    assert await session.scalar(select(func.count()).select_from(Worker)) == 2
