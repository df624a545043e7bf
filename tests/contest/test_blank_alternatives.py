"""A 填空题 bank listing 可接受答案 scores them, and the feedback and review show them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from contest import attempts
from contest.quizview import QuestionView
from contest.review import wrong_answers
from quizbank.service import import_questions
from quizbank.validation import parse_file
from storage.ids import id_of
from tests.bot.fixtures import add_worker
from tests.conftest import MovableClock
from tests.quizbank.bank_files import write_xlsx
from tests.turns import turn

TZ = "Asia/Shanghai"
HEADER = ["题型", "题干", "答案", "可接受答案"]
ROWS = [
    ["填空题", "PDCA循环又被称为____环", "戴明", "戴明环|戴明循环"],
    ["填空题", "全国质量月始于____年", "1978", "1978年"],
]


async def _practice(
    session: AsyncSession, clock: MovableClock, tmp_path: Path
) -> tuple[QuestionView, int]:
    path = write_xlsx(tmp_path / "bank.xlsx", ROWS, header=HEADER)
    await turn(session, import_questions(session, set_name="质量月", report=parse_file(path)))
    worker = await add_worker(session, clock)
    view = await turn(
        session, attempts.start_practice(session, worker=worker, clock=clock, tz=TZ, count=2)
    )
    assert isinstance(view, QuestionView)
    return view, id_of(worker)


async def test_a_listed_alternative_scores_and_the_review_names_them(
    session: AsyncSession, clock: MovableClock, tmp_path: Path
) -> None:
    view, worker_id = await _practice(session, clock, tmp_path)
    attempt_id = view.attempt_id
    answers = {"PDCA循环又被称为____环": "戴明环", "全国质量月始于____年": "1987"}
    results = {}
    while isinstance(view, QuestionView):
        step = await turn(
            session,
            attempts.answer(
                session,
                worker_id=worker_id,
                attempt_id=view.attempt_id,
                position=view.position,
                response=[answers[view.stem]],
                clock=clock,
                tz=TZ,
            ),
        )
        results[view.stem] = step.feedback
        view = await turn(
            session,
            attempts.show_current(
                session, worker_id=worker_id, attempt_id=attempt_id, clock=clock, tz=TZ
            ),
        )
    pdca, year = results["PDCA循环又被称为____环"], results["全国质量月始于____年"]
    assert pdca.correct and pdca.answer == ["戴明 / 戴明环 / 戴明循环"]
    assert not year.correct and year.answer == ["1978 / 1978年"]
    (missed,) = await wrong_answers(
        session, worker_id=worker_id, attempt_id=attempt_id, clock=clock
    )
    assert missed.given == ["1987"] and missed.answer == ["1978 / 1978年"]
