"""A small world for the organiser actions: competitions, a team, a worker, and who is who."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.admin.policy import Actor
from contest.models import (
    AuditEntry,
    ChatBinding,
    Competition,
    CompetitionStatus,
    Organiser,
    Team,
    Worker,
)
from tests.conftest import MovableClock
from tests.contest.helpers import rules

Factory = async_sessionmaker[AsyncSession]
SUPER = Actor(900, super_admin=True)
GLOBAL = Actor(11)
SCOPED = Actor(22)
STRANGER = Actor(33)
GROUP_CHAT = -1001


@dataclass
class World:
    mine: int  # the scoped organiser's competition (scheduled)
    other: int  # an open competition of nobody in particular
    team_code: str
    worker_id: int


@pytest.fixture
async def world(session_factory: Factory, clock: MovableClock) -> World:
    now = clock()
    async with session_factory() as session:
        mine = Competition(
            name="我的竞赛",
            status=CompetitionStatus.SCHEDULED,
            starts_at=now + timedelta(hours=1),
            ends_at=now + timedelta(days=5),
            rules=rules(announce={"cron": "0 18 * * *"}),
        )
        other = Competition(
            name="别的竞赛",
            status=CompetitionStatus.OPEN,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=5),
            rules=rules(),
        )
        team = Team(name="检验一班", kind="班组", join_code="TEAM01")
        session.add_all([mine, other, team])
        await session.flush()
        worker = Worker(telegram_id=5001, real_name="张三", employee_no="E001", registered_at=now)
        session.add(worker)
        session.add(Organiser(telegram_id=GLOBAL.user_id, granted_by=900))
        session.add(Organiser(telegram_id=SCOPED.user_id, competition_id=mine.id, granted_by=900))
        session.add(ChatBinding(competition_id=other.id, chat_id=GROUP_CHAT, created_by=900))
        await session.commit()
        assert mine.id and other.id and worker.id
        return World(mine.id, other.id, team.join_code, worker.id)


async def audit_rows(factory: Factory) -> list[AuditEntry]:
    async with factory() as session:
        return list((await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())
