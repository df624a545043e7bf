"""Workers registering themselves: names, roster matching, teams and the team lock."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from contest import workers
from contest.errors import ContestError
from contest.models import Worker
from tests.bot.fixtures import add_competition, add_teams
from tests.turns import turn


async def _register(session, clock, *, telegram_id=1001, name="  张  三 ", employee_no=None):
    return await turn(
        session,
        workers.register_worker(
            session,
            telegram_id=telegram_id,
            username="zs",
            real_name=name,
            employee_no=employee_no,
            language="zh",
            clock=clock,
        ),
    )


@pytest.mark.parametrize("name", ["张", "x" * 21, "   "])
def test_real_name_must_be_2_to_20_characters_after_trim(name):
    with pytest.raises(ContestError) as caught:
        workers.clean_name(name)
    assert caught.value.code == "name_length"


def test_real_name_is_trimmed_and_collapsed():
    assert workers.clean_name("  王   小明 ") == "王 小明"


async def test_register_creates_then_updates_one_worker(session, clock):
    first = await _register(session, clock)
    again = await _register(session, clock, name="张三丰")
    assert first.id == again.id and again.real_name == "张三丰"
    assert await session.scalar(select(func.count()).select_from(Worker)) == 1


async def test_roster_worker_is_matched_by_employee_number(session, clock):
    one, _ = await add_teams(session)
    session.add(Worker(real_name="王五", employee_no="A001", team_id=one.id))
    await session.commit()
    match = await workers.find_roster_entry(session, employee_no="Ａ００１", telegram_id=1001)
    assert match is not None and match.team_path == ("质量部", "检验一班")
    worker = await _register(session, clock, name=match.real_name, employee_no="A001")
    assert worker.telegram_id == 1001 and worker.team_id == one.id
    assert await session.scalar(select(func.count()).select_from(Worker)) == 1


async def test_claimed_employee_number_is_refused(session, clock):
    await _register(session, clock, telegram_id=1, name="甲某", employee_no="B7")
    with pytest.raises(ContestError) as caught:
        await _register(session, clock, telegram_id=2, name="乙某", employee_no="B7")
    assert caught.value.code == "employee_no_taken"


async def test_join_by_code_then_locked_during_open_competition(session, clock):
    one, two = await add_teams(session)
    worker = await _register(session, clock)
    joined = await turn(
        session, workers.join_by_code(session, worker=worker, join_code="TEAM01", clock=clock)
    )
    assert joined.team_id == one.id
    await add_competition(session, clock)
    with pytest.raises(ContestError) as caught:
        await workers.join_by_id(session, worker=worker, team_id=two.id, clock=clock)
    assert caught.value.code == "team_locked"


async def test_unknown_join_code_is_refused(session, clock):
    worker = await _register(session, clock)
    with pytest.raises(ContestError) as caught:
        await workers.join_by_code(session, worker=worker, join_code="NOPE", clock=clock)
    assert caught.value.code == "bad_join_code"


async def test_team_choices_are_the_leaf_teams(session):
    await add_teams(session)
    choices = await workers.team_choices(session)
    assert [c.path for c in choices] == [("质量部", "检验一班"), ("质量部", "检验二班")]
