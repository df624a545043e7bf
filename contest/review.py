"""错题回顾: the questions a worker got wrong in an attempt, with the right answers, when the
competition's rules let them be seen (practice always; a competition during it when its
answers are shown during, else once it has closed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.attempts.state import competition_rules, owned
from contest.errors import ContestError
from contest.models import AnswerStatus, AttemptQuestion, AttemptStatus, CompetitionStatus
from contest.quizview import answer_for_display
from quizbank.grading import to_displayed
from quizbank.models import CHOICE_TYPES, Question, QuestionType
from storage.types import Clock


@dataclass(frozen=True)
class ReviewItem:
    """One question answered wrong (or not in time), in the order the worker saw it."""

    position: int
    qtype: QuestionType
    stem: str
    options: tuple[str, ...]  # displayed order
    given: list[Any] | None  # displayed form; None when not answered in time
    answer: list[Any]
    explanation: str | None
    timeout: bool


async def review_allowed(
    session: AsyncSession, *, worker_id: int, attempt_id: int, clock: Clock
) -> bool:
    """Whether the attempt is over and its rules show the answers now."""
    attempt = await owned(session, worker_id=worker_id, attempt_id=attempt_id)
    if attempt.status == AttemptStatus.ACTIVE:
        return False
    competition, rules = await competition_rules(session, attempt)
    if competition is None or rules is None:
        return True
    if rules.feedback.show_answers == "never":
        return False
    if rules.feedback.show_answers == "during":
        return True
    closed = competition.status in (CompetitionStatus.CLOSED, CompetitionStatus.ARCHIVED)
    return closed or clock() >= competition.ends_at


async def wrong_answers(
    session: AsyncSession, *, worker_id: int, attempt_id: int, clock: Clock
) -> list[ReviewItem]:
    """The attempt's wrong answers; ``review_not_yet`` while the rules keep answers hidden."""
    if not await review_allowed(session, worker_id=worker_id, attempt_id=attempt_id, clock=clock):
        raise ContestError("review_not_yet")
    rows = await session.execute(
        select(AttemptQuestion, Question)
        .join(Question, col(Question.id) == col(AttemptQuestion.question_id))
        .where(
            col(AttemptQuestion.attempt_id) == attempt_id,
            col(AttemptQuestion.correct).is_not(True),
        )
        .order_by(col(AttemptQuestion.position))
    )
    items = []
    for aq, question in rows.all():
        qtype = QuestionType(question.type)
        order = aq.option_order
        options = tuple(question.options[i] for i in order) if order else ()
        items.append(
            ReviewItem(
                position=aq.position,
                qtype=qtype,
                stem=question.stem,
                options=options,
                given=_given(qtype, aq.response, order),
                answer=answer_for_display(question, order),
                explanation=question.explanation or None,
                timeout=aq.status == AnswerStatus.TIMEOUT,
            )
        )
    return items


def _given(qtype: QuestionType, response: Any, order: list[int]) -> list[Any] | None:
    if response is None:
        return None
    if qtype in CHOICE_TYPES:
        stored = response if isinstance(response, list) else [response]
        return to_displayed(stored, order) if order else list(stored)
    return list(response) if isinstance(response, list) else [response]
