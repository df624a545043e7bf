"""A live final for the tests, the screenshots and the bench: a bank of quality questions,
roster teams with their workers, a competition, and a final built through the core."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from chat.turn import owned
from contest.admin.policy import Actor
from contest.live import flow
from contest.live.buzz import buzz
from contest.live.models import LiveTeam
from contest.live.setup import SegmentPlan, create_final, roster_teams
from contest.models import Competition, CompetitionStatus, Team, Worker
from quizbank.models import Question, QuestionSet, QuestionType
from storage.ids import id_of
from storage.types import Clock
from tests.turns import turn

T = TypeVar("T")
HOST = Actor(1, super_admin=True, via="test")
TEAM_NAMES = [
    "一车间",
    "二车间",
    "三车间",
    "质检部",
    "设备部",
    "工艺部",
    "装配车间",
    "仓储部",
    "动力部",
    "采购部",
]
PEOPLE = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴霞"]
STEMS = [
    ("全国“质量月”活动始于哪一年？", ["1978年", "1988年", "1998年", "2008年"], [0]),
    ("PDCA 循环中的 C 指的是什么？", ["计划", "执行", "检查", "处理"], [2]),
    ("质量管理体系标准 ISO 9001 的最新版本是哪一年发布的？", ["2000", "2008", "2015", "2020"], [2]),
    ("“三检制”不包括下列哪一项？", ["自检", "互检", "专检", "抽检"], [3]),
    ("因果图又称为什么图？", ["鱼骨图", "直方图", "散布图", "控制图"], [0]),
    ("排列图依据的是哪一原理？", ["二八原理", "正态分布", "大数定律", "中心极限定理"], [0]),
]


@dataclass
class FinalSetup:
    final_id: int
    competition_id: int
    teams: list[LiveTeam]  # in seat order
    workers: dict[int, list[int]]  # live team id → worker ids


async def add_live_bank(session: AsyncSession, *, count: int = 80) -> list[int]:
    qset = QuestionSet(name="决赛题库")
    session.add(qset)
    await session.flush()
    ids = []
    for i in range(count):
        stem, options, answer = STEMS[i % len(STEMS)]
        tf = i % 5 == 4
        question = Question(
            set_id=qset.id,
            key=f"live{i}",
            content_hash=f"h{i}",
            position=i,
            type=QuestionType.TRUE_FALSE if tf else QuestionType.SINGLE,
            stem=f"{stem}（{i + 1}）"
            if not tf
            else f"质量是生产出来的，不是检验出来的。（{i + 1}）",
            options=[] if tf else options,
            answer=[True] if tf else answer,
            explanation="见《质量管理基础知识》。",
        )
        session.add(question)
        await session.flush()
        ids.append(id_of(question))
    await session.commit()
    return ids


async def build_final(
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    teams: int = 6,
    players: int = 2,
    segments: Sequence[SegmentPlan] | None = None,
    preset: str = "standard",
    buzzer: str = "team",
) -> FinalSetup:
    async with session_factory() as session:
        await add_live_bank(session)
        now = clock()
        competition = Competition(
            name="2026 质量月知识竞赛",
            status=CompetitionStatus.OPEN,
            starts_at=now - timedelta(days=7),
            ends_at=now + timedelta(days=1),
        )
        session.add(competition)
        parent = Team(name="总厂", kind="部门", join_code="LIVE0")
        session.add(parent)
        await session.flush()
        team_ids = []
        for i in range(teams):
            team = Team(name=TEAM_NAMES[i], kind="车间", parent_id=parent.id, join_code=f"LV{i}")
            session.add(team)
            await session.flush()
            team_ids.append(id_of(team))
            for j in range(players):
                session.add(
                    Worker(
                        real_name=PEOPLE[(i + j * 3) % len(PEOPLE)],
                        employee_no=f"F{i}{j}",
                        team_id=team.id,
                        registered_at=now,
                    )
                )
        await session.commit()
        competition_id = id_of(competition)
        async with owned(session):
            plans = await turn(session, roster_teams(session, team_ids=team_ids, players=players))
            final = await turn(
                session,
                create_final(
                    session,
                    actor=HOST,
                    competition_id=competition_id,
                    name="质量知识竞赛决赛",
                    teams=plans,
                    preset_name=preset,
                    segments=segments,
                    buzzer=buzzer,
                    seed=7,
                    clock=clock,
                ),
            )
            final_id = id_of(final)
        rows = await session.execute(
            select(LiveTeam).where(col(LiveTeam.final_id) == final_id).order_by(col(LiveTeam.seat))
        )
        live_teams = list(rows.scalars())
        from contest.live.models import LivePlayer

        members = await session.execute(
            select(LivePlayer).where(col(LivePlayer.final_id) == final_id)
        )
        workers: dict[int, list[int]] = {}
        for player in members.scalars():
            workers.setdefault(player.team_id, []).append(player.worker_id)
    return FinalSetup(final_id, competition_id, live_teams, workers)


def segment(kind: str, questions: int = 5, **rules: Any) -> SegmentPlan:
    from contest.live.models import SegmentKind

    return SegmentPlan(SegmentKind(kind), {"questions": questions, **rules})


async def act(
    session_factory: async_sessionmaker[AsyncSession],
    call: Callable[..., Awaitable[T]],
    **kwargs: Any,
) -> T:
    """One turn: a session, the call, one commit (a refusal re-raised after its rollback)."""
    async with session_factory() as session, owned(session):
        return await call(session, **kwargs)


async def team_scores(session_factory, final_id):
    async with session_factory() as session:
        rows = await session.execute(
            select(LiveTeam.id, LiveTeam.score).where(LiveTeam.final_id == final_id)
        )
        return dict(rows.all())


async def press(session_factory, setup, team, at, worker_id=None):
    return await act(
        session_factory,
        buzz,
        final_id=setup.final_id,
        team_id=team.id,
        worker_id=worker_id,
        received_at=at,
    )


async def host(session_factory, clock, setup, verb, **kwargs):
    return await act(
        session_factory,
        getattr(flow, verb),
        actor=HOST,
        final_id=setup.final_id,
        clock=clock,
        **kwargs,
    )
