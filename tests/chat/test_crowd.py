"""200 workers of one plant join and answer in the same minute, on DingTalk and on Feishu,
double taps included: every frame acknowledged, every worker enrolled once, every answer
counted once, every result card delivered, and the platform's rates never exceeded."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chat.models import EventStatus, MessengerEvent
from contest.identities import WorkerIdentity
from contest.models import Attempt, AttemptStatus, Worker
from tests.bot.fixtures import add_bank, add_competition, add_teams
from tests.chat.harness import Running
from tests.conftest import MovableClock
from tests.fakes.dingtalk import FakeDingTalk

CROWD = 200


async def test_two_hundred_workers_join_and_answer_at_once(
    messenger: Running, session_factory: async_sessionmaker[AsyncSession], clock: MovableClock
) -> None:
    running, fake = messenger, messenger.fake
    platform = "dingtalk" if isinstance(fake, FakeDingTalk) else "feishu"
    number = "job_number" if platform == "dingtalk" else "employee_no"
    async with session_factory() as session:
        await add_bank(session)
        one, _ = await add_teams(session)
        for i in range(CROWD // 2):  # half of them on the roster, half not
            session.add(
                Worker(
                    real_name=f"职工{i}", employee_no=f"R{i:04d}", team_id=one.id, on_roster=True
                )
            )
        await session.commit()
        competition = await add_competition(
            session, clock, composition=[{"type": "true_false", "count": 1}]
        )
    users = [f"c{i}" for i in range(CROWD)]
    for i, user in enumerate(users):
        fake.add_user(user, name=f"职工{i}", **{number: f"R{i:04d}" if i < CROWD // 2 else ""})

    async def everyone(act: str) -> None:
        if act == "join":
            frames = [fake.say(u, "竞赛") for u in users]
        elif act == "start":
            frames = [fake.tap(u, fake.last(u), competition.name[:10]) for u in users]
        else:  # every worker taps 对 twice (a double tap)
            frames = [fake.tap(u, fake.last(u), "对") for u in users for _ in range(2)]
        for message_id in await asyncio.gather(*frames):
            await fake.acked(message_id, within=120)
        await running.runner.intake.idle(within=300)

    await everyone("join")
    await everyone("start")
    await everyone("answer")

    async with session_factory() as session:
        identities = await session.scalar(select(func.count()).select_from(WorkerIdentity))
        workers = await session.scalar(select(func.count()).select_from(Worker))
        attempts = list((await session.execute(select(Attempt))).scalars())
        unfinished = await session.scalar(
            select(func.count())
            .select_from(MessengerEvent)
            .where(MessengerEvent.status != EventStatus.DONE)
        )
    assert identities == CROWD and workers == CROWD  # the roster half claimed, not doubled
    assert len(attempts) == CROWD
    assert all(a.status == AttemptStatus.FINISHED and a.correct_count == 1 for a in attempts)
    assert unfinished == 0
    assert all("答对：1/1" in fake.last(u).text for u in users)
    if platform == "dingtalk":
        assert fake.unacked == {} and fake.busiest_second <= fake.qps
    else:  # 5 a second per user and per card, 50 per API
        assert fake.unanswered == {}
        assert fake.busiest_second["api"] <= 50
        assert fake.busiest_second["receiver"] <= 5 and fake.busiest_second["card"] <= 5
