"""Quiz test data: a small question bank, teams, a competition and a registered worker.

Rows are inserted directly (the contest core's own tests cover its creation paths); answers
are looked up from the bank so tests can answer right or wrong on purpose.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.models import (
    Attempt,
    AttemptQuestion,
    Competition,
    CompetitionStatus,
    Team,
    Worker,
)
from contest.rules import CompetitionRules
from quizbank.grading import to_displayed
from quizbank.models import Question, QuestionSet, QuestionType
from scheduler.team_refresh import TeamRefresher
from storage.types import Clock

BANK: list[dict[str, Any]] = [
    *[
        {
            "type": QuestionType.SINGLE,
            "stem": f"单选 {i}：PDCA 中 C 代表？",
            "points": 2.0,
            "options": ["计划", "执行", "检查", "处理"],
            "answer": [2],
            "explanation": "C = Check（检查）。",
        }
        for i in range(4)
    ],
    *[
        {
            "type": QuestionType.MULTIPLE,
            "stem": f"多选 {i}：属于质量管理七大手法的是？",
            "options": ["鱼骨图", "帕累托图", "甘特图", "控制图"],
            "answer": [0, 1, 3],
            "points": 3.0,
        }
        for i in range(2)
    ],
    *[
        {
            "type": QuestionType.TRUE_FALSE,
            "stem": f"判断 {i}：全国质量月始于 1978 年。",
            "answer": [True],
            "points": 1.0,
        }
        for i in range(2)
    ],
    *[
        {
            "type": QuestionType.BLANK,
            "stem": f"填空 {i}：全国质量月每年在____月举行。",
            "answer": [["9", "九", "9月"]],
            "points": 2.0,
        }
        for i in range(2)
    ],
]


async def add_bank(session: AsyncSession, *, name: str = "质量月题库") -> list[int]:
    qset = QuestionSet(name=name)
    session.add(qset)
    await session.flush()
    ids = []
    for i, spec in enumerate(BANK):
        q = Question(set_id=qset.id, key=f"k{i}", content_hash=f"h{i}", position=i, **spec)
        session.add(q)
        await session.flush()
        ids.append(q.id)
    await session.commit()
    return ids


async def add_teams(session: AsyncSession) -> tuple[Team, Team]:
    dept = Team(name="质量部", kind="部门", join_code="DEPT01")
    session.add(dept)
    await session.flush()
    one = Team(name="检验一班", kind="班组", parent_id=dept.id, join_code="TEAM01")
    two = Team(name="检验二班", kind="班组", parent_id=dept.id, join_code="TEAM02")
    session.add_all([one, two])
    await session.commit()
    return one, two


def rules(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "composition": [
            {"type": "single", "count": 2},
            {"type": "multiple", "count": 1},
            {"type": "true_false", "count": 1},
            {"type": "blank", "count": 1},
        ],
        "question_time_limit_s": 30,
    }
    data.update(overrides)
    return CompetitionRules.model_validate(data).model_dump(mode="json")


async def add_competition(
    session: AsyncSession, clock: Clock, *, name: str = "2026 质量月知识竞赛", **rule_overrides: Any
) -> Competition:
    now = clock()
    competition = Competition(
        name=name,
        status=CompetitionStatus.OPEN,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=7),
        rules=rules(**rule_overrides),
    )
    session.add(competition)
    await session.commit()
    return competition


async def add_worker(
    session: AsyncSession,
    clock: Clock,
    *,
    telegram_id: int = 1001,
    name: str = "张三",
    team_id: int | None = None,
) -> Worker:
    worker = Worker(telegram_id=telegram_id, real_name=name, registered_at=clock(), team_id=team_id)
    session.add(worker)
    await session.commit()
    return worker


async def right_answer(
    session_factory: async_sessionmaker[AsyncSession], *, attempt_id: int, position: int
) -> tuple[QuestionType, Any]:
    """The correct answer to a question of an attempt, in displayed form."""
    async with session_factory() as session:
        aq = (
            await session.execute(
                select(AttemptQuestion).where(
                    AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == position
                )
            )
        ).scalar_one()
        question = await session.get(Question, aq.question_id)
        assert question is not None
        qtype = QuestionType(question.type)
        if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            return qtype, to_displayed(question.answer, aq.option_order)
        if qtype is QuestionType.TRUE_FALSE:
            return qtype, question.answer[0]
        return qtype, question.answer[0][0]


async def latest_attempt(session_factory: async_sessionmaker[AsyncSession]) -> Attempt:
    async with session_factory() as session:
        attempt = (
            await session.execute(select(Attempt).order_by(Attempt.id.desc()).limit(1))
        ).scalar_one()
        return attempt


async def settle_teams(session_factory: async_sessionmaker[AsyncSession], clock: Clock) -> None:
    """One pass of the production team refresher (in the bot it runs about once a second)."""
    await TeamRefresher(session_factory, clock=clock).step()
