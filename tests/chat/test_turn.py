"""The turn owns the transaction: one commit on success; a refusal keeps only its kept rows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chat.turn import Turn, owned
from contest.errors import ContestError
from contest.identities import link_identity, worker_by_identity
from contest.models import AuditEntry, Worker
from storage.types import utcnow


async def _count(factory: async_sessionmaker[AsyncSession], model: type) -> int:
    async with factory() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_turn_commits_its_writes_once_at_the_end(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session, owned(session):
        session.add(Worker(real_name="王伟"))
    assert await _count(session_factory, Worker) == 1


async def test_a_refusal_rolls_back_the_work_and_commits_what_it_keeps(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    error = ContestError("not_allowed")
    error.keep.append(AuditEntry(actor_id=7, action="x.y", detail={}, outcome="denied"))
    with pytest.raises(ContestError):
        async with session_factory() as session, owned(session):
            session.add(Worker(real_name="李强"))
            await session.flush()
            raise error
    assert await _count(session_factory, Worker) == 0
    assert await _count(session_factory, AuditEntry) == 1


async def test_the_turn_keeps_the_worker_id_readable_after_a_rollback(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        worker = Worker(real_name="张敏", language="en")
        session.add(worker)
        await session.commit()
        turn = Turn(
            session=session, received_at=utcnow(), lang="en", tz="UTC", via="web", worker=worker
        )
        await session.rollback()  # expires the worker
        assert turn.my_id == worker.id and turn.lang == "en"


async def test_an_account_links_once_to_one_worker(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        a, b = Worker(real_name="甲"), Worker(real_name="乙")
        session.add_all([a, b])
        await session.flush()
        assert a.id is not None and b.id is not None
        assert await link_identity(session, platform="feishu", external_id="ou_1", worker_id=a.id)
        assert not await link_identity(
            session, platform="feishu", external_id="ou_1", worker_id=b.id
        )
        assert not await link_identity(
            session, platform="feishu", external_id="ou_2", worker_id=a.id
        )
        await session.commit()
        found = await worker_by_identity(session, platform="feishu", external_id="ou_1")
        assert found is not None and found.id == a.id
        assert await worker_by_identity(session, platform="dingtalk", external_id="ou_1") is None
