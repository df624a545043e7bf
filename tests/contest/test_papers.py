"""Fair papers: planning equal totals, the seed-independent check, and a crowd at 09:00."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chat.turn import owned
from contest.attempts import start_competition
from contest.competitions import create_competition, sync_statuses
from contest.models import Attempt, AttemptQuestion, Standing, Worker
from contest.rules import CompetitionRules
from quizbank.models import QuestionType
from quizbank.question_draw import Candidate, DrawRule, UnmetRule, shortfalls, split_by_points
from storage.ids import id_of
from tests.conftest import MovableClock
from tests.contest.season import TZ, add_season_bank
from tests.contest.test_season import definition
from tests.turns import turn

SINGLE = QuestionType.SINGLE


def test_a_line_of_mixed_points_is_split_in_the_banks_proportions() -> None:
    bank = [Candidate(i, SINGLE, points=1.0) for i in range(8)]
    bank += [Candidate(10 + i, SINGLE, points=2.0) for i in range(12)]
    parts = split_by_points(bank, DrawRule(count=10, type=SINGLE))
    assert [(r.count, r.points) for r in parts] == [(4, 1.0), (6, 2.0)]
    one_value = split_by_points(bank[:8], DrawRule(count=3, type=SINGLE))
    assert [(r.count, r.points) for r in one_value] == [(3, 1.0)]


def test_shortfalls_count_what_earlier_lines_could_take() -> None:
    bank = [Candidate(i, SINGLE, category="PDCA" if i < 3 else "") for i in range(5)]
    pdca, anything = DrawRule(count=2, category="PDCA"), DrawRule(count=4)
    assert shortfalls(bank, [pdca, anything]) == [UnmetRule(anything, 4, 3)]
    assert shortfalls(bank, [pdca, DrawRule(count=3)]) == []


def test_full_marks_are_known_once_every_line_has_one_value() -> None:
    rules = CompetitionRules.model_validate(
        {"composition": [{"type": "单选", "count": 2, "points": 2}, {"type": "判断", "count": 3}],
         "scoring": {"points_override": {"判断": 1}}}
    )  # fmt: skip
    assert rules.full_marks() == 7
    unpinned = CompetitionRules.model_validate({"composition": [{"type": "单选", "count": 2}]})
    assert unpinned.full_marks() is None


async def test_a_crowd_starting_a_same_paper_at_once_gets_one_paper(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: MovableClock,
) -> None:
    await add_season_bank(session)
    data = definition("sum", paper="same")
    data["rules"]["composition"] = [{"type": "单选", "count": 5}, {"type": "判断", "count": 1}]  # type: ignore[index]
    competition = await turn(
        session, create_competition(session, data=data, created_by=None, clock=clock)
    )
    await turn(session, sync_statuses(session, clock=clock))
    crowd = [Worker(telegram_id=500 + i, real_name=f"职工{i}") for i in range(30)]
    session.add_all(crowd)
    await session.commit()

    async def tap(worker: Worker) -> None:
        async with session_factory() as own, owned(own):  # one turn per tap
            await turn(
                own,
                start_competition(
                    own, worker=worker, competition_id=id_of(competition), clock=clock, tz=TZ
                ),
            )

    await asyncio.gather(*(tap(w) for w in crowd for _ in range(2)))  # everyone taps twice
    assert await session.scalar(select(func.count()).select_from(Attempt)) == 30
    assert await session.scalar(select(func.count()).select_from(Standing)) == 30
    papers = (
        await session.execute(select(AttemptQuestion.attempt_id, AttemptQuestion.question_id))
    ).all()
    by_attempt: dict[int, set[int]] = {}
    for attempt_id, question_id in papers:
        by_attempt.setdefault(attempt_id, set()).add(question_id)
    assert len({frozenset(ids) for ids in by_attempt.values()}) == 1
