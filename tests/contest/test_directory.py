"""Placing a messenger account on the roster from its directory entry (工号, then mobile),
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from contest.directory import DirectoryEntry, normalize_mobile, place_member
from contest.identities import WorkerIdentity
from contest.models import Worker


def test_a_mobile_keeps_its_digits_without_the_china_code():
    assert normalize_mobile("+86 138-0013-8000") == "13800138000"
    assert normalize_mobile("008613800138000") == "13800138000"
    assert normalize_mobile("13800138000") == "13800138000"
    assert normalize_mobile("+1 415 555 0100") == "14155550100"
    assert normalize_mobile(None) == ""


async def _workers(session, *rows: tuple[str, str | None, str | None]) -> list[Worker]:
    workers = [Worker(real_name=name, employee_no=no, mobile=mobile) for name, no, mobile in rows]
    session.add_all(workers)
    await session.commit()
    return workers


async def test_the_employee_no_wins_over_the_mobile_and_the_link_is_kept(session):
    a, b = await _workers(session, ("张伟", "QA1", "13800000001"), ("王芳", "QA2", "13800000002"))
    entry = DirectoryEntry("dingtalk", "u1", ("ｑａ１".upper(), "x"), "13800000002")
    assert (await place_member(session, entry=entry)).id == a.id  # full-width 工号 normalised
    await session.commit()
    moved = DirectoryEntry("dingtalk", "u1", ("QA2",), None)  # the directory changed later
    assert (await place_member(session, entry=moved)).id == a.id  # the link stands
    assert (
        await place_member(session, entry=DirectoryEntry("dingtalk", "u2", (), "+8613800000002"))
    ).id == b.id


async def test_a_shared_mobile_or_a_worker_linked_elsewhere_places_nobody(session):
    await _workers(session, ("张伟", "QA1", "13800000009"), ("王芳", "QA2", "13800000009"))
    assert (
        await place_member(session, entry=DirectoryEntry("feishu", "o1", (), "13800000009")) is None
    )
    assert (await place_member(session, entry=DirectoryEntry("feishu", "o2", ("QA1",)))) is not None
    await session.commit()
    assert await place_member(session, entry=DirectoryEntry("feishu", "o3", ("QA1",))) is None
    assert await place_member(session, entry=DirectoryEntry("feishu", "o4", ("",), "")) is None


async def test_one_account_arriving_twice_at_once_is_linked_once(session_factory, session):
    (worker,) = await _workers(session, ("张伟", "QA1", None))
    entry = DirectoryEntry("wecom", "zhangwei", ("QA1",))

    async def visit() -> int | None:
        async with session_factory() as own:
            placed = await place_member(own, entry=entry)
            await own.commit()
            return placed.id if placed else None

    assert await asyncio.gather(*(visit() for _ in range(6))) == [worker.id] * 6
    count = (await session.execute(select(func.count()).select_from(WorkerIdentity))).scalar()
    assert count == 1
