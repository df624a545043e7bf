"""A plant's contest for the web tests, the screenshots and the benchmarks: a bank of all
four question types, 部门 > 车间 > 班组 teams, a roster, an open competition, and (when
asked) workers who have already answered through the core, so the boards have rows."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest import attempts
from contest.models import Competition, CompetitionStatus, Team, Worker
from contest.quizview import QuestionView, Step, Summary
from storage.ids import id_of
from storage.types import Clock
from tests.bot.fixtures import add_bank, right_answer, rules
from tests.turns import turn

NAMES = [
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴霞", "徐强",
    "孙丽", "马超", "朱婷", "胡斌", "郭琳", "何勇", "高洁", "林涛", "罗琴", "梁鹏", "宋雪",
    "郑凯", "谢颖", "韩冰", "唐亮", "冯燕", "于洋", "董晨", "萧然",
]  # fmt: skip
WORKSHOPS = {
    "一车间": ["甲班", "乙班"],
    "二车间": ["甲班", "乙班"],
    "质检部": ["检验一班", "检验二班"],
}


@dataclass
class Plant:
    competition: Competition
    workers: list[Worker]
    teams: dict[str, Team]


async def add_teams(session: AsyncSession) -> dict[str, Team]:
    teams: dict[str, Team] = {}
    plant = Team(name="总装厂", kind="部门", join_code="PLANT")
    session.add(plant)
    await session.flush()
    for i, (workshop, crews) in enumerate(WORKSHOPS.items()):
        shop = Team(name=workshop, kind="车间", parent_id=plant.id, join_code=f"S{i}")
        session.add(shop)
        await session.flush()
        for j, crew in enumerate(crews):
            team = Team(name=crew, kind="班组", parent_id=shop.id, join_code=f"S{i}C{j}")
            session.add(team)
            await session.flush()
            teams[f"{workshop}·{crew}"] = team
    await session.commit()
    return teams


async def build_plant(
    session: AsyncSession, clock: Clock, *, workers: int = 12, **rule_overrides: Any
) -> Plant:
    await add_bank(session)
    teams = await add_teams(session)
    now = clock()
    competition = Competition(
        name="2026 质量月知识竞赛（决赛）",
        status=CompetitionStatus.OPEN,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=2, minutes=35),
        rules=rules(**rule_overrides),
    )
    session.add(competition)
    team_list = list(teams.values())
    people = []
    for i in range(workers):
        worker = Worker(
            telegram_id=5000 + i, real_name=NAMES[i % len(NAMES)], employee_no=f"QA{1000 + i}",
            team_id=team_list[i % len(team_list)].id, registered_at=now,
        )  # fmt: skip
        session.add(worker)
        people.append(worker)
    await session.commit()
    return Plant(competition, people, teams)


async def play(
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    worker: Worker,
    competition_id: int,
    accuracy: float,
    seed: int = 0,
) -> Summary | None:
    """One worker takes the whole competition through the core, right ``accuracy`` of the time."""
    rng = random.Random(seed)
    async with session_factory() as session:
        item: QuestionView | Summary | Step | None = await turn(
            session,
            attempts.start_competition(
                session,
                worker=worker,
                competition_id=competition_id,
                clock=clock,
                tz="Asia/Shanghai",
            ),
        )
    while isinstance(item, QuestionView | Step):
        view = item if isinstance(item, QuestionView) else item.next
        if isinstance(item, Step) and item.summary is not None:
            return item.summary
        if view is None:
            async with session_factory() as session:
                item = await turn(
                    session,
                    attempts.show_current(
                        session,
                        worker_id=id_of(worker),
                        attempt_id=int(item.attempt_id or 0),
                        clock=clock,
                        tz="Asia/Shanghai",
                    ),
                )
            continue
        qtype, right = await right_answer(
            session_factory, attempt_id=view.attempt_id, position=view.position
        )
        response = right if rng.random() < accuracy else _wrong(qtype.value, right, view)
        if qtype.value == "single" and isinstance(response, list):
            response = response[0]
        if qtype.value == "blank":
            response = [response]
        if qtype.value == "true_false":
            response = int(bool(response))
        async with session_factory() as session:
            item = await turn(
                session,
                attempts.answer(
                    session,
                    worker_id=id_of(worker),
                    attempt_id=view.attempt_id,
                    position=view.position,
                    response=response,
                    clock=clock,
                    tz="Asia/Shanghai",
                ),
            )
    return item if isinstance(item, Summary) else None


def _wrong(qtype: str, right: Any, view: QuestionView) -> Any:
    if qtype == "single":
        return (right[0] + 1) % len(view.options)
    if qtype == "multiple":
        return [0] if right != [0] else [1]
    if qtype == "true_false":
        return not right
    return "不知道"
