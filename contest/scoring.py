"""Scoring maths (计分): one answer's points and one team's score.

Pure functions; the formulas are written out in docs/scoring.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from contest.rules import ScoringRules, TeamMode
from quizbank.grading import Grade
from quizbank.models import QuestionType

SCORE_DIGITS = 2
"""Answers and attempts are rounded to hundredths so that equal results compare equal."""


def round_score(value: float, digits: int = SCORE_DIGITS) -> float:
    """Half up at ``digits`` decimals, the way people round (8.25 → 8.3, not 8.2)."""
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP))


def format_score(value: float, precision: int = 1) -> str:
    """A score to ``precision`` decimals (half up); a whole number without decimals."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-precision), ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        return str(int(rounded))
    return f"{rounded:f}"


def percent_of(score: float, full_marks: float | None) -> float | None:
    """The score as a share of full marks in percent (None when full marks are unknown)."""
    if not full_marks:
        return None
    return 100.0 * score / full_marks


@dataclass(frozen=True)
class ScoreStyle:
    """How a competition's scores read: ``precision`` decimals (whole numbers without), and
    as a percentage of ``full_marks`` when the rules say ``score_as: percent`` (and the
    papers are worth the same, so full marks are known)."""

    precision: int = 1
    full_marks: float | None = None
    percent: bool = False

    def number(self, value: float) -> str:
        return format_score(value, self.precision)

    def percentage(self, value: float) -> str | None:
        """The score as a percentage number ("87.5"), or None when not shown as one."""
        share = percent_of(value, self.full_marks) if self.percent else None
        return None if share is None else format_score(share, self.precision)


def question_value(*, question_points: float, qtype: QuestionType, rules: ScoringRules) -> float:
    """The points a question is worth in this competition (the bank's, or the type override)."""
    return float(rules.points_override.get(QuestionType(qtype), question_points))


def speed_factor(*, elapsed_s: float, limit_s: float) -> float:
    """1 for an instant answer, falling linearly to ½ at the limit (Kahoot's formula)."""
    if limit_s <= 0:
        return 1.0
    share = min(max(elapsed_s, 0.0), limit_s) / limit_s
    return 1.0 - 0.5 * share


def score_answer(
    *,
    question_points: float,
    qtype: QuestionType,
    grade: Grade,
    rules: ScoringRules,
    elapsed_s: float,
    limit_s: float,
) -> float:
    """Points earned by one graded answer.

    credit > 0: value × credit, times the speed factor when ``rules.speed_bonus``;
    credit = 0: minus ``rules.wrong_penalty`` (风险题). A timeout is not an answer: the caller
    records 0 for it and does not call this.
    """
    value = question_value(question_points=question_points, qtype=qtype, rules=rules)
    if grade.credit <= 0:
        return round(-rules.wrong_penalty, SCORE_DIGITS)
    earned = value * grade.credit
    if rules.speed_bonus:
        earned *= speed_factor(elapsed_s=elapsed_s, limit_s=limit_s)
    return round(earned, SCORE_DIGITS)


def team_score(
    mode: TeamMode,
    member_scores: Sequence[float],
    registered: int,
    top_n: int | None,
    min_participants: int,
) -> tuple[float, bool]:
    """A team's score from its participants' scores, and whether it is ranked.

    ``member_scores`` holds one counted score per participant (a member with a standing);
    ``registered`` is every member of the team, participants or not.
    """
    participants = len(member_scores)
    total = sum(member_scores)
    mode = TeamMode(mode)
    if mode is TeamMode.SUM:
        score = total
    elif mode is TeamMode.AVG_PARTICIPANTS:
        score = total / participants if participants else 0.0
    elif mode is TeamMode.AVG_REGISTERED:
        # A participant missing from the headcount (joined late) still counts as registered.
        headcount = max(registered, participants)
        score = total / headcount if headcount else 0.0
    elif mode is TeamMode.TOP_N_AVG:
        if not top_n or top_n < 1:
            raise ValueError("top_n_avg needs top_n >= 1")
        # Divide by N even when fewer took part: a short team cannot beat a full one by absence.
        score = sum(sorted(member_scores, reverse=True)[:top_n]) / top_n
    else:  # pragma: no cover - exhaustive
        raise AssertionError(mode)
    ranked = participants >= max(min_participants, 1)
    return round(score, SCORE_DIGITS + 2), ranked
