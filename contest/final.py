"""Final results (最终成绩) for every participant, and the review of their wrong answers.

At the close each participant is told their place (并列 where the rules cannot separate
them), score, correct count and their team's place; and, where the rules show answers
after the close, the questions they got wrong or only partly right with the correct answer
and 解析 (错题回顾). Everything is read from the same boards every other view uses
(``contest.ranking``), after the team standings have been refreshed, so the numbers agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import ContestError
from contest.models import (
    AnswerStatus,
    Attempt,
    AttemptQuestion,
    Competition,
    Standing,
    Worker,
)
from contest.papers import score_style
from contest.quizview import answer_for_display
from contest.ranking import TeamRow, team_board, top_individuals
from contest.rules import rules_of
from contest.scoring import ScoreStyle
from contest.standings import refresh_team_standings
from contest.tree import load_tree
from quizbank.grading import to_displayed
from quizbank.models import CHOICE_TYPES, Question, QuestionType
from storage.ids import id_of
from storage.types import Clock


@dataclass(frozen=True)
class ReviewItem:
    """One question answered wrong, partly right or not in time, as the worker saw it."""

    position: int
    qtype: QuestionType
    stem: str
    options: tuple[str, ...]  # in the worker's own order
    response: Any  # displayed form, None for a timeout
    answer: list[Any]  # displayed form
    explanation: str
    credit: float
    timeout: bool


@dataclass(frozen=True)
class FinalResult:
    """One participant's result at the close."""

    worker_id: int
    telegram_id: int | None
    language: str
    name: str
    rank: int
    tied: bool
    participants: int
    score: float
    correct_count: int
    question_count: int
    time_used_ms: int
    team_label: str = ""
    team_rank: int | None = None
    team_tied: bool = False
    team_total: int = 0
    review: list[ReviewItem] = field(default_factory=list)


@dataclass(frozen=True)
class FinalResults:
    competition_id: int
    name: str
    timezone: str
    style: ScoreStyle
    review_allowed: bool
    results: list[FinalResult]
    teams: list[TeamRow]


async def settle(session: AsyncSession, *, competition_id: int, clock: Clock) -> None:
    """Bring the team standings up to date before anything final is read (the caller
    commits)."""
    await refresh_team_standings(session, competition_id=competition_id, clock=clock)


async def final_results(
    session: AsyncSession, *, competition_id: int, only: int | None = None
) -> FinalResults:
    """Every participant's place, score and team place, with their review when allowed;
    with ``only``, the places are the same but ``results`` holds that worker's alone (a
    browser asking for its own result reads one review, not everyone's)."""
    competition = await session.get(Competition, competition_id)
    if competition is None:
        raise ContestError("competition_not_found", competition_id=competition_id)
    rules = rules_of(competition)
    rows = await top_individuals(session, competition_id=competition_id, limit=None)
    teams = await team_board(session, competition_id=competition_id)
    tree = await load_tree(session)
    ranked_level = {row.team_id: row for row in teams}
    workers = await _workers(session, [row.worker_id for row in rows])
    counts = await _question_counts(session, competition_id)
    review_allowed = rules.feedback.show_answers != "never" and rules.results.review
    reviews = await _reviews(session, competition_id, only) if review_allowed else {}
    results = []
    for row in rows:
        if only is not None and row.worker_id != only:
            continue
        worker = workers.get(row.worker_id)
        team = None
        if row.team_id is not None and row.team_id in tree.parent:
            team = next(
                (ranked_level[t] for t in tree.ancestors(row.team_id) if t in ranked_level), None
            )
        results.append(
            FinalResult(
                worker_id=row.worker_id,
                telegram_id=worker.telegram_id if worker else None,
                language=worker.language if worker else "zh",
                name=row.name,
                rank=row.rank,
                tied=row.tied,
                participants=len(rows),
                score=row.score,
                correct_count=row.correct_count,
                question_count=counts.get(row.worker_id, 0),
                time_used_ms=row.time_used_ms,
                team_label=team.label if team else (row.team_label or ""),
                team_rank=team.rank if team else None,
                team_tied=team.tied if team else False,
                team_total=len(teams),
                review=reviews.get(row.worker_id, []),
            )
        )
    return FinalResults(
        competition_id=competition_id,
        name=competition.name,
        timezone=competition.timezone,
        style=await score_style(session, competition=competition),
        review_allowed=review_allowed,
        results=results,
        teams=teams,
    )


async def _workers(session: AsyncSession, ids: list[int]) -> dict[int, Worker]:
    found = await session.execute(select(Worker).where(col(Worker.id).in_(ids)))
    return {id_of(w): w for w in found.scalars()}


async def _question_counts(session: AsyncSession, competition_id: int) -> dict[int, int]:
    """Questions on each participant's counted paper."""
    found = await session.execute(
        select(col(Standing.worker_id), col(Attempt.question_count))
        .join(Attempt, col(Attempt.id) == col(Standing.attempt_id))
        .where(col(Standing.competition_id) == competition_id)
    )
    return {worker_id: count for worker_id, count in found.all()}


async def _reviews(
    session: AsyncSession, competition_id: int, only: int | None = None
) -> dict[int, list[ReviewItem]]:
    """The counted attempt's questions not fully right, per worker, in paper order."""
    mine = [col(Standing.worker_id) == only] if only is not None else []
    found = await session.execute(
        select(col(Standing.worker_id), AttemptQuestion, Question)
        .join(AttemptQuestion, col(AttemptQuestion.attempt_id) == col(Standing.attempt_id))
        .join(Question, col(Question.id) == col(AttemptQuestion.question_id))
        .where(
            col(Standing.competition_id) == competition_id,
            *mine,
            or_(
                col(AttemptQuestion.status) == AnswerStatus.TIMEOUT,
                col(AttemptQuestion.credit) < 1.0,
            ),
        )
        .order_by(col(Standing.worker_id), col(AttemptQuestion.position))
    )
    out: dict[int, list[ReviewItem]] = defaultdict(list)
    for worker_id, aq, question in found.all():
        out[worker_id].append(review_item(aq, question))
    return out


def review_item(aq: AttemptQuestion, question: Question) -> ReviewItem:
    """A question as the worker saw it (their option order), their answer and the right one."""
    qtype = QuestionType(question.type)
    order = list(aq.option_order)
    options = tuple(question.options[i] for i in order) if order else tuple(question.options)
    timeout = aq.status != AnswerStatus.ANSWERED
    return ReviewItem(
        position=aq.position,
        qtype=qtype,
        stem=question.stem,
        options=options,
        response=None if timeout else _displayed(qtype, aq.response, order),
        answer=answer_for_display(question, order),
        explanation=question.explanation,
        credit=aq.credit,
        timeout=timeout,
    )


def _displayed(qtype: QuestionType, stored: Any, order: list[int]) -> Any:
    """A stored response as the worker gave it: positions, [bool] or the typed texts."""
    if qtype in CHOICE_TYPES:
        chosen = stored if isinstance(stored, list) else [stored]
        return to_displayed(chosen, order) if order else sorted(chosen)
    if qtype is QuestionType.TRUE_FALSE:
        return [stored]
    return list(stored or [])
