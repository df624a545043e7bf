"""What the quiz state machine hands to an edge: plain records, in displayed option order.

A worker sees options in their own shuffled order (``AttemptQuestion.option_order``); these
records speak only in displayed positions, so no edge ever needs (or leaks) the stored order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from contest.errors import ContestError
from contest.models import (
    AnswerStatus,
    Attempt,
    AttemptKind,
    AttemptQuestion,
    AttemptStatus,
    Competition,
)
from contest.ranking import RankInfo
from contest.rules import CompetitionRules
from contest.scoring import question_value, score_answer
from quizbank.grading import Grade, grade, to_displayed, to_stored
from quizbank.models import CHOICE_TYPES, Question, QuestionType
from storage.ids import id_of


@dataclass(frozen=True, slots=True)
class Marks:
    """What one answer earned, as its question row stores it (like
    :class:`quizbank.grading.Grade`, plus the status and the points)."""

    status: AnswerStatus
    correct: bool
    credit: float
    score: float

    def columns(self) -> dict[str, object]:
        return {
            "status": self.status,
            "correct": self.correct,
            "credit": self.credit,
            "score": self.score,
        }


TIMEOUT = Marks(AnswerStatus.TIMEOUT, correct=False, credit=0.0, score=0.0)
"""A question whose time ran out: answered late, skipped by a deadline, or closed unseen."""


@dataclass(frozen=True)
class QuestionView:
    """One question as the worker sees it now."""

    attempt_id: int
    kind: AttemptKind
    title: str  # the competition's name; "" for practice
    timezone: str
    position: int  # 0-based
    total: int
    qtype: QuestionType
    stem: str
    options: tuple[str, ...]  # displayed order
    points: float
    deadline_at: datetime | None
    selection: tuple[int, ...]  # multiple choice: ticked displayed positions (from the keyboard)
    blanks: int
    chat_id: int | None
    message_id: int | None
    presented_at: datetime | None = None  # when its clock started (provisional until delivered)
    limit_s: int | None = None  # the per-question time limit; None in practice
    attempt_deadline_at: datetime | None = None
    fresh: bool = False  # first shown now: its clock starts when Telegram accepts it
    missed: tuple[Feedback, ...] = ()  # questions that timed out since the worker last looked


@dataclass(frozen=True)
class Feedback:
    """How one answer went, with as much as the rules allow the worker to see now."""

    position: int
    qtype: QuestionType
    timeout: bool
    correct: bool
    credit: float
    score: float
    show_correctness: bool
    answer: list[Any] | None  # displayed form: positions, [bool] or one text per blank
    explanation: str | None


@dataclass(frozen=True)
class Summary:
    """The end of an attempt (成绩): score, correct count, time used, rank."""

    attempt_id: int
    kind: AttemptKind
    status: AttemptStatus
    title: str
    score: float
    correct_count: int
    question_count: int
    time_used_ms: int
    rank: RankInfo | None
    attempts_left: int | None
    streak: int
    competition_id: int | None = None
    missed: tuple[Feedback, ...] = ()  # questions that timed out since the worker last looked
    ended: str | None = None  # an expired attempt: "time_up", "closed" or "abandoned"
    unanswered: int = 0  # questions still unanswered when it ended
    precision: int = 2  # decimals shown (the competition's ``precision``)


@dataclass(frozen=True)
class Step:
    """The result of a worker's action on an attempt.

    ``outcome``: ``scored`` (counted), ``timeout`` (late, scored 0), ``closed`` (the question
    was already answered or is not the current one: nothing changed), ``empty`` (submit with
    nothing selected). ``next`` is the presented question, unless ``paused`` (the worker reads
    the answer first and asks for the next one); ``summary`` when the attempt is over.
    """

    outcome: str
    feedback: Feedback | None = None
    next: QuestionView | None = None
    summary: Summary | None = None
    attempt_id: int | None = None
    paused: bool = False


def build_view(
    attempt: Attempt,
    aq: AttemptQuestion,
    question: Question,
    competition: Competition | None,
    rules: CompetitionRules | None,
    *,
    timezone: str = "Asia/Shanghai",
    selection: Sequence[int] = (),
    fresh: bool = False,
) -> QuestionView:
    qtype = QuestionType(question.type)
    options = [question.options[i] for i in aq.option_order] if aq.option_order else []
    points = question.points
    if rules is not None:
        points = question_value(question_points=points, qtype=qtype, rules=rules.scoring)
    return QuestionView(
        attempt_id=id_of(attempt),
        kind=AttemptKind(attempt.kind),
        title=competition.name if competition else "",
        timezone=competition.timezone if competition else timezone,
        position=aq.position,
        total=attempt.question_count,
        qtype=qtype,
        stem=question.stem,
        options=tuple(options),
        points=points,
        deadline_at=aq.deadline_at,
        selection=tuple(sorted(set(selection))),
        blanks=len(question.answer) if qtype is QuestionType.BLANK else 0,
        chat_id=attempt.chat_id,
        message_id=attempt.message_id,
        presented_at=aq.presented_at,
        limit_s=rules.question_time_limit_s if rules is not None else None,
        attempt_deadline_at=attempt.deadline_at,
        fresh=fresh,
    )


def response_to_stored(
    qtype: QuestionType, response: Any, order: Sequence[int], n_options: int
) -> Any:
    """A displayed response in the stored form grading expects; ``bad_response`` if malformed."""
    try:
        if qtype is QuestionType.SINGLE:
            return to_stored(int(response), order)
        if qtype is QuestionType.MULTIPLE:
            return to_stored([int(r) for r in response], order)
        if qtype is QuestionType.TRUE_FALSE:
            if response not in (0, 1):  # a button sends 1 for true, 0 for false
                raise ValueError(response)
            return bool(response)
        texts = [str(text) for text in response]
        if not texts:
            raise ValueError(response)
        return texts
    except (TypeError, ValueError) as exc:
        raise ContestError("bad_response") from exc


ALTERNATIVES_SHOWN = " / "


def answer_for_display(question: Question, order: Sequence[int]) -> list[Any]:
    """The correct answer as the worker saw the question: positions, [bool], and per blank
    every spelling that scores ("戴明 / 戴明环"), so the review shows what was accepted."""
    qtype = QuestionType(question.type)
    if qtype in CHOICE_TYPES:
        return to_displayed(question.answer, order) if order else list(question.answer)
    if qtype is QuestionType.TRUE_FALSE:
        return list(question.answer)
    return [ALTERNATIVES_SHOWN.join(alternatives) for alternatives in question.answer]


# --- grading one answer (pure) -----------------------------------------------------------


def grade_response(question: Question, stored: Any, rules: CompetitionRules | None) -> Grade:
    if rules is None:
        return grade(question.type, question.answer, stored)
    return grade(
        question.type,
        question.answer,
        stored,
        multiple_policy=rules.scoring.multiple_policy,
        partial_fraction=rules.scoring.partial_fraction,
    )


def marks_for(
    question: Question, result: Grade, rules: CompetitionRules | None, elapsed: timedelta
) -> Marks:
    if rules is None:  # practice: the bank's points times the credit
        points = round(question.points * result.credit, 2)
    else:
        points = score_answer(
            question_points=question.points,
            qtype=QuestionType(question.type),
            grade=result,
            rules=rules.scoring,
            elapsed_s=elapsed.total_seconds(),
            limit_s=rules.question_time_limit_s,
        )
    return Marks(AnswerStatus.ANSWERED, result.correct, result.credit, points)


def feedback_for(
    question: Question,
    aq: AttemptQuestion,
    marks: Marks,
    rules: CompetitionRules | None,
    *,
    late: bool,
) -> Feedback:
    show_answer = rules is None or rules.feedback.show_answers == "during"
    return Feedback(
        position=aq.position,
        qtype=QuestionType(question.type),
        timeout=late,
        correct=marks.correct,
        credit=marks.credit,
        score=marks.score,
        show_correctness=rules is None or rules.feedback.show_correctness_during or show_answer,
        answer=answer_for_display(question, aq.option_order) if show_answer else None,
        explanation=question.explanation if show_answer else None,
    )
