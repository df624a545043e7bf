"""A season played through the real quiz machine: a bank with known points, and workers who
answer right, wrong, partly right or too late, per question type and points value.

``play`` drives ``contest.attempts`` exactly as the bot does, with the test's clock, so
scores, times, finish times and standings come out of production code; the tests then
compare them with numbers computed by hand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contest.attempts import answer, start_competition
from contest.attempts.state import attempt_question
from contest.models import Worker
from contest.playoff import play_playoff
from contest.quizview import QuestionView, Summary
from quizbank.grading import to_displayed
from quizbank.models import Question, QuestionSet, QuestionType
from storage.ids import id_of
from tests.conftest import MovableClock
from tests.turns import turn

TZ = "Asia/Shanghai"
RIGHT, WRONG, PARTIAL, LATE = "right", "wrong", "partial", "late"

# (type, points) → how many questions: singles worth 1 and 2 so that a random paper must be
# pinned to keep its total equal.
BANK_SHAPE: dict[tuple[QuestionType, float], int] = {
    (QuestionType.SINGLE, 1.0): 4,
    (QuestionType.SINGLE, 2.0): 4,
    (QuestionType.MULTIPLE, 2.0): 2,
    (QuestionType.TRUE_FALSE, 1.0): 2,
    (QuestionType.BLANK, 2.0): 2,
}


async def add_season_bank(session: AsyncSession, *, name: str = "质量月题库") -> list[Question]:
    qset = QuestionSet(name=name)
    session.add(qset)
    await session.flush()
    questions = []
    for (qtype, points), count in BANK_SHAPE.items():
        for i in range(count):
            spec: dict[str, Any] = {"options": [], "answer": [True]}
            if qtype is QuestionType.SINGLE:
                spec = {"options": ["计划", "执行", "检查", "处理"], "answer": [2]}
            elif qtype is QuestionType.MULTIPLE:
                spec = {"options": ["鱼骨图", "帕累托图", "甘特图", "控制图"], "answer": [0, 1, 3]}
            elif qtype is QuestionType.BLANK:
                spec = {"answer": [["9", "九月"]]}
            q = Question(
                set_id=qset.id, key=f"{qtype.value}-{points}-{i}",
                content_hash=f"h{len(questions)}", type=qtype, points=points,
                stem=f"{qtype.value} {points:g} 分 第 {i + 1} 题",
                explanation=f"解析 {qtype.value} {i + 1}", position=len(questions), **spec,
            )  # fmt: skip
            session.add(q)
            questions.append(q)
    await session.commit()
    return questions


Plan = Mapping[tuple[QuestionType, float], Sequence[str]]


def _response(question: Question, order: list[int], what: str) -> Any:
    qtype = QuestionType(question.type)
    if qtype is QuestionType.TRUE_FALSE:
        right = bool(question.answer[0])
        return int(right if what == RIGHT else not right)
    if qtype is QuestionType.BLANK:
        return ["9"] if what == RIGHT else ["十月"]
    correct = to_displayed(question.answer, order)
    if qtype is QuestionType.SINGLE:
        wrong = next(i for i in range(len(order)) if i not in correct)
        return correct[0] if what == RIGHT else wrong
    if what == PARTIAL:
        return correct[:1]
    if what == WRONG:
        return [next(i for i in range(len(order)) if i not in correct)]
    return correct


async def play(
    session: AsyncSession,
    *,
    worker: Worker,
    competition_id: int,
    clock: MovableClock,
    plan: Plan,
    seconds: float = 5,
    otherwise: str | None = None,
    playoff: bool = False,
) -> Summary:
    """Start and answer the whole paper: each question gets the plan's next outcome for its
    (type, points), after ``seconds`` (``late``: after the question's 30 s limit); kinds the
    plan does not name get ``otherwise``."""
    queue = {key: list(outcomes) for key, outcomes in plan.items()}
    used: dict[tuple[QuestionType, float], int] = defaultdict(int)
    if playoff:
        view = await turn(session, play_playoff(session, worker=worker, clock=clock, tz=TZ))
    else:
        view = await turn(
            session,
            start_competition(
                session, worker=worker, competition_id=competition_id, clock=clock, tz=TZ
            ),
        )
    assert isinstance(view, QuestionView)
    attempt_id, position = view.attempt_id, 0
    while True:
        aq, question = await attempt_question(session, attempt_id=attempt_id, position=position)
        key = (QuestionType(question.type), float(question.points))
        if key in queue:
            what = queue[key][used[key]]
            used[key] += 1
        else:
            assert otherwise is not None, f"the plan says nothing about {key}"
            what = otherwise
        clock.advance(seconds=31 if what == LATE else seconds)
        step = await turn(
            session,
            answer(
                session,
                worker_id=id_of(worker),
                attempt_id=attempt_id,
                position=position,
                response=_response(question, list(aq.option_order), what),
                clock=clock,
                tz=TZ,
            ),
        )
        if step.summary is not None:
            assert all(used[k] == len(v) for k, v in queue.items()), "plan longer than paper"
            return step.summary
        position += 1
        assert step.next is not None and not step.paused
