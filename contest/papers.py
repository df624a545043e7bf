"""Papers (试卷): fair by construction, checked when a competition is made.

``paper: random`` draws a paper per worker, and :func:`plan_rules` pins every composition
line to one points value (splitting a line whose questions are worth different points in
the bank's proportions), so every paper has the same full marks. ``paper: same`` gives
everyone the same questions, each worker in their own order with their own option order;
:func:`paper_for` computes that paper once per competition and keeps it (the first attempt
fixes it for good, so a bank edited mid-contest changes nobody's paper). Both refuse, when
the competition is made, a bank that could leave some paper short.
"""

from __future__ import annotations

import random
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import DefinitionIssue, DefinitionRejected
from contest.models import Attempt, AttemptKind, AttemptQuestion, Competition
from contest.practice_rounds import load_candidates
from contest.rules import CompetitionRules, CompositionItem, PaperMode, ScoreShow, rules_of
from contest.scoring import ScoreStyle, question_value
from quizbank.models import Question, QuestionType
from quizbank.question_draw import Candidate, CannotDraw, draw, shortfalls, split_by_points
from storage.ids import id_of


async def _candidates(session: AsyncSession, rules: CompetitionRules) -> list[Candidate]:
    return await load_candidates(
        session, sets=rules.source.sets, categories=rules.source.categories
    )


# --- planning at creation ------------------------------------------------------------------


async def plan_rules(session: AsyncSession, rules: CompetitionRules) -> CompetitionRules:
    """The rules to store: random papers with each line pinned to one points value.

    Raises ``DefinitionRejected`` (one ``bank_short`` issue per line, at
    ``rules.composition.<i>``) when some draw could come out short of questions. Sources
    without a single question yet are a bank still to come: the rules are kept as they
    are, and checked again when the competition is scheduled or opened.
    """
    candidates = await _candidates(session, rules)
    if not candidates:
        return rules
    items: list[CompositionItem] = []
    origin: list[int] = []  # the organiser's line each stored line comes from
    for index, item in enumerate(rules.composition):
        pinned = [item]
        if rules.paper is PaperMode.RANDOM and item.type not in rules.scoring.points_override:
            pinned = [
                item.model_copy(update={"count": rule.count, "points": rule.points})
                for rule in split_by_points(candidates, item.to_draw_rule())
            ]
        items += pinned
        origin += [index] * len(pinned)
    planned = rules.model_copy(update={"composition": items})
    short: dict[int, list[tuple[int, int]]] = {}
    for unmet in shortfalls(candidates, planned.draw_rules()):
        line = next(i for i, item in enumerate(items) if item.to_draw_rule() == unmet.rule)
        short.setdefault(origin[line], []).append((unmet.wanted, unmet.available))
    if short:
        raise DefinitionRejected(
            [_short_issue(rules.composition[i], i, gaps) for i, gaps in sorted(short.items())]
        )
    return planned


def _short_issue(item: CompositionItem, index: int, gaps: list[tuple[int, int]]) -> DefinitionIssue:
    wanted = sum(w for w, _ in gaps)
    available = sum(a for _, a in gaps)
    what = [item.type.value]
    if item.category:
        what.append(f"category {item.category}")
    if item.difficulty:
        what.append(f"difficulty {item.difficulty}")
    return DefinitionIssue(
        f"rules.composition.{index}",
        "bank_short",
        f"{wanted} questions ({', '.join(what)}) wanted on every paper, "
        f"but the bank can be sure of only {available}",
        {"wanted": wanted, "available": available, "type": item.type.value},
    )


# --- the paper of one attempt --------------------------------------------------------------


@dataclass
class _SamePaper:
    signature: tuple[Any, ...]
    question_ids: list[int]
    fixed: bool
    full_marks: float | None = None


# Per engine, so a paper is never taken from another database (tests make many).
_SAME: weakref.WeakKeyDictionary[Engine, dict[int, _SamePaper]] = weakref.WeakKeyDictionary()


def paper_seed(competition: Competition) -> int:
    """The seed of a same paper: fixed per competition."""
    return random.Random(f"paper:{competition.id}:{competition.created_at.isoformat()}").randrange(
        2**31
    )


def _signature(competition: Competition) -> tuple[Any, ...]:
    return (competition.created_at, repr(competition.rules))


async def same_paper(
    session: AsyncSession, *, competition: Competition, rules: CompetitionRules
) -> _SamePaper:
    """The competition's one paper (question ids by id), computed once and remembered."""
    cache = _SAME.setdefault(session.get_bind().engine, {})
    hit = cache.get(id_of(competition))
    if hit is not None and hit.fixed and hit.signature == _signature(competition):
        return hit
    first = await session.scalar(
        select(col(Attempt.id))
        .where(
            col(Attempt.competition_id) == competition.id,
            col(Attempt.kind) == AttemptKind.COMPETITION,
        )
        .order_by(col(Attempt.id))
        .limit(1)
    )
    if first is not None:  # someone has started: that paper is everyone's
        rows = await session.execute(
            select(col(AttemptQuestion.question_id)).where(col(AttemptQuestion.attempt_id) == first)
        )
        paper = _SamePaper(_signature(competition), sorted(rows.scalars()), fixed=True)
        cache[id_of(competition)] = paper
        return paper
    candidates = await _candidates(session, rules)
    ids = draw(candidates, rules.draw_rules(), seed=paper_seed(competition))
    return _SamePaper(_signature(competition), sorted(ids), fixed=False)


async def paper_for(
    session: AsyncSession, *, competition: Competition, rules: CompetitionRules, seed: int
) -> list[int]:
    """The question ids of a new attempt, in its own order. Raises ``CannotDraw``."""
    if rules.paper is PaperMode.SAME:
        ids = list((await same_paper(session, competition=competition, rules=rules)).question_ids)
        random.Random(seed).shuffle(ids)
        return ids
    return draw(await _candidates(session, rules), rules.draw_rules(), seed=seed)


async def full_marks(
    session: AsyncSession, *, competition: Competition, rules: CompetitionRules
) -> float | None:
    """满分 of every paper of the competition; None when papers may differ (old rules)."""
    if rules.paper is PaperMode.RANDOM:
        return rules.full_marks()
    try:
        paper = await same_paper(session, competition=competition, rules=rules)
    except CannotDraw:
        return None
    if paper.full_marks is None:
        rows = await session.execute(
            select(col(Question.type), col(Question.points)).where(
                col(Question.id).in_(paper.question_ids)
            )
        )
        paper.full_marks = sum(
            question_value(question_points=points, qtype=QuestionType(qtype), rules=rules.scoring)
            for qtype, points in rows.all()
        )
    return paper.full_marks


async def score_style(session: AsyncSession, *, competition: Competition) -> ScoreStyle:
    """How the competition's scores read (precision, and percentages when asked for)."""
    rules = rules_of(competition)
    marks = None
    if rules.score_as is ScoreShow.PERCENT:
        marks = await full_marks(session, competition=competition, rules=rules)
    return ScoreStyle(precision=rules.precision, full_marks=marks, percent=marks is not None)
