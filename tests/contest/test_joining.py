"""Joining as people really type (issue 23): 工号 in any width or case, a name where the 工号
was asked, an unknown 工号 refused with what was read, and a department link after
registering that is no team switch."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.errors import ContestError
from contest.models import Team, Worker
from contest.teams import ensure_team_path
from contest.web_access import roster_worker
from contest.workers import find_roster_entry, join_by_code, register_worker, roster_by_name
from tests.contest.helpers import T0, competition
from tests.turns import turn


async def _roster(session: AsyncSession) -> dict[str, Team]:
    group = await ensure_team_path(
        session, path=[("部门", "制造部"), ("车间", "一车间"), ("班组", "甲班")]
    )
    other = await ensure_team_path(session, path=[("部门", "质检部"), ("班组", "乙班")])
    people = [
        ("李伟", "Q10003", group),
        ("王伟", "Q10005", group),
        ("王伟", "Q20001", other),
        ("赵敏", "Q20002", other),
    ]
    for name, number, team in people:
        session.add(Worker(real_name=name, employee_no=number, team_id=team.id, on_roster=True))
    await session.commit()
    dept = await session.scalar(select(Team).where(Team.name == "制造部"))
    assert dept is not None
    return {"group": group, "other": other, "dept": dept}


@pytest.mark.parametrize(
    "typed", ["Q10003", "q10003", "ｑ１０００３", " Q 10003 ", "李伟", "李 伟"]
)
async def test_a_number_finds_its_entry_however_it_is_typed(
    session: AsyncSession, typed: str
) -> None:
    await _roster(session)
    match = await find_roster_entry(session, employee_no=typed, telegram_id=7)
    assert match is not None and (match.real_name, match.employee_no) == ("李伟", "Q10003")


async def test_an_unknown_number_is_refused_with_what_was_read(session: AsyncSession) -> None:
    await _roster(session)
    with pytest.raises(ContestError) as near:
        await find_roster_entry(session, employee_no="q10004", telegram_id=7)
    assert near.value.code == "employee_no_unknown_near"
    assert near.value.params == {"employee_no": "q10004", "near": "Q10003、Q10005"}
    with pytest.raises(ContestError) as far:
        await find_roster_entry(session, employee_no="88888", telegram_id=7)
    assert far.value.code == "employee_no_unknown"
    # A name that two people share says nothing: refused, not guessed.
    with pytest.raises(ContestError):
        await find_roster_entry(session, employee_no="王伟", telegram_id=7)


async def test_an_unknown_number_is_never_stored(session: AsyncSession) -> None:
    await _roster(session)
    with pytest.raises(ContestError) as refused:
        await register_worker(
            session,
            telegram_id=7,
            username=None,
            real_name="李伟",
            employee_no="10004",
            language="zh",
            clock=lambda: T0,
        )
    assert refused.value.code == "employee_no_unknown"  # two keystrokes from Q10003
    await session.rollback()
    assert await session.scalar(select(func.count()).select_from(Worker)) == 4
    assert await session.scalar(select(Worker).where(Worker.employee_no == "10004")) is None
    # Typed in lower case, the roster entry is claimed with the roster's own 工号.
    worker = await turn(
        session,
        register_worker(
            session,
            telegram_id=7,
            username=None,
            real_name="某某",
            employee_no="ｑ10003",
            language="zh",
            clock=lambda: T0,
        ),
    )
    assert (worker.real_name, worker.employee_no, worker.pending) == ("李伟", "Q10003", False)


async def test_without_a_roster_a_number_is_kept_as_typed(session: AsyncSession) -> None:
    assert await find_roster_entry(session, employee_no="A-7", telegram_id=7) is None
    worker = await turn(
        session,
        register_worker(
            session,
            telegram_id=7,
            username=None,
            real_name="李伟",
            employee_no="ａ-7",
            language="zh",
            clock=lambda: T0,
        ),
    )
    assert worker.employee_no == "a-7"


async def test_a_unique_name_is_found_without_a_team_link(session: AsyncSession) -> None:
    await _roster(session)
    (match,) = await roster_by_name(session, name="赵 敏", join_code=None, telegram_id=7)
    assert (match.real_name, match.team_path) == ("赵敏", ("质检部", "乙班"))
    # Two 王伟: only a team link tells them apart.
    assert await roster_by_name(session, name="王伟", join_code=None, telegram_id=7) == []


async def test_the_department_link_after_registering_is_no_switch(session: AsyncSession) -> None:
    teams = await _roster(session)
    await competition(session)  # open: switching teams on one's own is locked
    worker = await turn(
        session,
        register_worker(
            session,
            telegram_id=7,
            username=None,
            real_name="某某",
            employee_no="Q10003",
            language="zh",
            clock=lambda: T0,
        ),
    )
    joined = await turn(
        session,
        join_by_code(session, worker=worker, join_code=teams["dept"].join_code, clock=lambda: T0),
    )
    assert joined.path == ("制造部", "一车间", "甲班")  # stays in their 班组
    with pytest.raises(ContestError) as locked:
        await join_by_code(
            session, worker=worker, join_code=teams["other"].join_code, clock=lambda: T0
        )
    assert locked.value.code == "team_locked"


async def test_a_worker_placed_in_a_department_may_pick_its_group(session: AsyncSession) -> None:
    teams = await _roster(session)
    await competition(session)
    worker = Worker(telegram_id=8, real_name="新人", team_id=teams["dept"].id, registered_at=T0)
    session.add(worker)
    await session.commit()
    joined = await turn(
        session,
        join_by_code(session, worker=worker, join_code=teams["group"].join_code, clock=lambda: T0),
    )
    assert joined.path == ("制造部", "一车间", "甲班")


async def test_the_browser_login_reads_the_number_as_typed(session: AsyncSession) -> None:
    await _roster(session)
    found = await roster_worker(session, employee_no="ｑ１０００３", name="李 伟")
    assert found is not None and found.employee_no == "Q10003"
    assert await roster_worker(session, employee_no="q10003", name="王伟") is None
