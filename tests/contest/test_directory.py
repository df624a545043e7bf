"""The browser's sign-in placing a messenger account on the roster from its directory
(the 工号 fields, then the mobile), without registering anyone new; SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from contest.directory import DirectoryEntry, place_member
from contest.identities import WorkerIdentity
from contest.models import Worker


async def _workers(session, *rows: tuple[str, str | None, str | None]) -> list[Worker]:
    workers = [
        Worker(real_name=name, employee_no=no, mobile=mobile, on_roster=True)
        for name, no, mobile in rows
    ]
    session.add_all(workers)
    await session.commit()
    return workers


def entries(*numbers: str, mobile: str = "") -> list[DirectoryEntry]:
    found = [DirectoryEntry(employee_no=n) for n in numbers]
    return found + ([DirectoryEntry(mobile=mobile)] if mobile else [])


async def test_the_employee_no_fields_win_over_the_mobile_and_the_link_is_kept(session):
    a, b = await _workers(session, ("张伟", "QA1", "13800000001"), ("王芳", "QA2", "13800000002"))
    found = entries("X0", "ＱＡ１", mobile="13800000002")  # full-width 工号, normalised
    placed = await place_member(session, platform="dingtalk", external_id="u1", entries=found)
    assert placed is not None and placed.id == a.id
    await session.commit()
    moved = entries("QA2")  # the directory changed later: the link stands
    placed = await place_member(session, platform="dingtalk", external_id="u1", entries=moved)
    assert placed is not None and placed.id == a.id
    by_mobile = entries(mobile="+86 138 0000 0002")
    placed = await place_member(session, platform="dingtalk", external_id="u2", entries=by_mobile)
    assert placed is not None and placed.id == b.id
    assert await session.get(Worker, b.id) and b.registered_at is None  # nobody registered


async def test_a_shared_mobile_a_worker_linked_elsewhere_or_nothing_places_nobody(session):
    await _workers(session, ("张伟", "QA1", "13800000009"), ("王芳", "QA2", "13800000009"))
    shared = entries(mobile="13800000009")
    assert await place_member(session, platform="feishu", external_id="o1", entries=shared) is None
    first = await place_member(session, platform="feishu", external_id="o2", entries=entries("QA1"))
    assert first is not None
    await session.commit()
    again = await place_member(session, platform="feishu", external_id="o3", entries=entries("QA1"))
    assert again is None
    assert await place_member(session, platform="feishu", external_id="o4", entries=[]) is None
    count = (await session.execute(select(func.count()).select_from(Worker))).scalar()
    assert count == 2


async def test_one_account_arriving_twice_at_once_is_linked_once(session_factory, session):
    (worker,) = await _workers(session, ("张伟", "QA1", None))

    async def visit() -> int | None:
        async with session_factory() as own:
            placed = await place_member(
                own, platform="wecom", external_id="zhangwei", entries=entries("QA1")
            )
            await own.commit()
            return placed.id if placed else None

    assert await asyncio.gather(*(visit() for _ in range(6))) == [worker.id] * 6
    count = (await session.execute(select(func.count()).select_from(WorkerIdentity))).scalar()
    assert count == 1
