"""A competition's rules (竞赛规则), validated by pydantic and stored in ``Competition.rules``.

``CompetitionRules.model_dump(mode="json")`` is what the database holds; ``load_rules`` turns it
back. Every field has a safe default except the composition (组卷), which a competition must say.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Protocol

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from quizbank.grading import MultiplePolicy
from quizbank.models import QuestionType
from quizbank.question_draw import DrawRule
from storage.ids import id_of

# Chinese labels organisers write in YAML, folded onto the stored enum values.
TYPE_ALIASES = {
    "单选": QuestionType.SINGLE,
    "单选题": QuestionType.SINGLE,
    "多选": QuestionType.MULTIPLE,
    "多选题": QuestionType.MULTIPLE,
    "判断": QuestionType.TRUE_FALSE,
    "判断题": QuestionType.TRUE_FALSE,
    "填空": QuestionType.BLANK,
    "填空题": QuestionType.BLANK,
}
LEAF_LEVEL = "leaf"
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-?]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


def _question_type(value: Any) -> Any:
    if isinstance(value, str):
        return TYPE_ALIASES.get(value.strip(), value.strip())
    return value


class Counting(StrEnum):
    """Which attempt counts when several are allowed."""

    BEST = "best"  # highest score; tie → less time
    LAST = "last"  # the latest attempt, whatever its score


class TeamMode(StrEnum):
    """How a team's score is made from its members' scores (see docs/scoring.md)."""

    SUM = "sum"
    AVG_PARTICIPANTS = "avg_participants"
    AVG_REGISTERED = "avg_registered"
    TOP_N_AVG = "top_n_avg"


class PaperMode(StrEnum):
    """组卷方式: how each worker's paper is made (docs/scoring.md, "Papers")."""

    SAME = "same"  # 统一试卷: the same questions for all; order and options shuffled per worker
    RANDOM = "random"  # 随机组卷: drawn per worker, every paper worth the same total


class ScoreShow(StrEnum):
    """How a score reads: points (18 分) or a share of full marks (90%)."""

    POINTS = "points"
    PERCENT = "percent"


class SourceRules(_Strict):
    """Where questions come from: named question sets (题库) and/or categories; empty = all."""

    sets: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)


class CompositionItem(_Strict):
    """One line of the paper's composition, e.g. 10 单选 from category PDCA."""

    type: QuestionType
    count: int = Field(ge=1, le=200)
    category: str | None = None
    difficulty: int | None = Field(default=None, ge=1, le=3)
    points: float | None = Field(default=None, gt=0, description="only questions worth this")

    _type_alias = field_validator("type", mode="before")(_question_type)

    @model_serializer(mode="wrap")
    def _points_when_pinned(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Stored rules name points only where the paper planning pinned them.
        data: dict[str, Any] = handler(self)
        if data.get("points") is None:
            data.pop("points", None)
        return data

    def to_draw_rule(self) -> DrawRule:
        return DrawRule(
            count=self.count,
            type=self.type,
            category=self.category,
            difficulty=self.difficulty,
            points=self.points,
        )


class FeedbackRules(_Strict):
    """What a worker sees: ✅/❌ while answering; the right answers and 解析 while answering
    (``during``), in the review sent at the close (``after_close``), or ``never``."""

    show_correctness_during: bool = True
    show_answers: Literal["during", "after_close", "never"] = "after_close"


class ScoringRules(_Strict):
    """Per-answer scoring; formulas in docs/scoring.md."""

    points_override: dict[QuestionType, float] = Field(default_factory=dict)
    speed_bonus: bool = False
    multiple_policy: MultiplePolicy = MultiplePolicy.ALL_OR_NOTHING
    partial_fraction: float = Field(default=0.5, ge=0.0, le=1.0)
    wrong_penalty: float = Field(default=0.0, ge=0.0, description="风险题: deducted when wrong")

    @field_validator("points_override", mode="before")
    @classmethod
    def _override_aliases(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {_question_type(k): v for k, v in value.items()}
        return value

    @field_validator("points_override")
    @classmethod
    def _positive_points(cls, value: dict[QuestionType, float]) -> dict[QuestionType, float]:
        for qtype, points in value.items():
            if points <= 0:
                raise ValueError(f"points for {qtype.value} must be positive, got {points}")
        return value


class TeamRules(_Strict):
    mode: TeamMode = TeamMode.SUM
    top_n: int | None = Field(default=None, ge=1)
    min_participants: int = Field(default=1, ge=1)
    level: str = Field(default=LEAF_LEVEL, min_length=1, description='"leaf" or a kind: 班组/部门')

    @model_validator(mode="after")
    def _top_n_needed(self) -> TeamRules:
        if self.mode is TeamMode.TOP_N_AVG and self.top_n is None:
            raise ValueError("team.mode top_n_avg needs team.top_n")
        return self


class TieRules(_Strict):
    """Equal results (docs/scoring.md, "Ties"): score, then total time, then finish time.

    ``by_time: false`` keeps equal scores equal (并列) instead of letting time decide; a
    play-off (加赛) of ``playoff_questions`` questions then separates workers tied on score
    within the first ``playoff_places`` places, open ``playoff_minutes`` after the close.
    """

    by_time: bool = True
    playoff_places: int = Field(default=0, ge=0, le=10)
    playoff_questions: int = Field(default=3, ge=1, le=10)
    playoff_minutes: int = Field(default=60, ge=10, le=1440)


class ResultRules(_Strict):
    """What each participant receives at the close: their result, 错题回顾 (when
    ``feedback.show_answers`` allows), a certificate (荣誉证书) for the first
    ``certificates`` places and a participation card (参与证明)."""

    notify: bool = True
    review: bool = True
    certificates: int = Field(default=3, ge=0, le=100)
    participation_cards: bool = True
    organiser: str = Field(default="", max_length=60, description="who awards: 某某公司工会")


class AnnounceRules(_Strict):
    cron: str | None = Field(default=None, description='crontab in local time, "0 18 * * *"')
    top_n: int = Field(default=10, ge=1, le=50)
    reminders: bool = True
    reminder_time: str = Field(default="12:00", description="daily reminder, local HH:MM")
    final_results: bool = True

    @field_validator("reminder_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        return clock_time(value)

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str | None) -> str | None:
        if value is None:
            return None
        fields = value.split()
        if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
            raise ValueError(f'cron must have 5 fields like "0 18 * * *", got {value!r}')
        return " ".join(fields)


class CompetitionRules(_Strict):
    source: SourceRules = Field(default_factory=SourceRules)
    paper: PaperMode = PaperMode.RANDOM
    composition: list[CompositionItem] = Field(min_length=1)
    question_time_limit_s: int = Field(default=30, ge=5, le=3600)
    total_time_limit_s: int | None = Field(default=None, ge=10)
    attempts_allowed: int = Field(default=1, ge=1, le=1000)
    attempts_per_day: int | None = Field(default=None, ge=1, le=100, description="每天可答 N 次")
    counting: Counting = Counting.BEST
    feedback: FeedbackRules = Field(default_factory=FeedbackRules)
    scoring: ScoringRules = Field(default_factory=ScoringRules)
    team: TeamRules = Field(default_factory=TeamRules)
    announce: AnnounceRules = Field(default_factory=AnnounceRules)
    ties: TieRules = Field(default_factory=TieRules)
    results: ResultRules = Field(default_factory=ResultRules)
    precision: int = Field(default=1, ge=0, le=2, description="decimals of scores shown")
    score_as: ScoreShow = ScoreShow.POINTS

    @model_validator(mode="after")
    def _daily_within_total(self) -> CompetitionRules:
        if self.attempts_per_day is not None and self.attempts_per_day > self.attempts_allowed:
            raise ValueError(
                f"attempts_per_day ({self.attempts_per_day}) cannot exceed attempts_allowed "
                f"({self.attempts_allowed}), the total over the whole competition"
            )
        return self

    @property
    def question_count(self) -> int:
        return sum(item.count for item in self.composition)

    @property
    def paper_time_s(self) -> int:
        """The most one paper can take, as workers are told (全卷最长): the whole-paper
        limit when it is shorter than every question's limit added up, else that sum."""
        per_questions = self.question_time_limit_s * self.question_count
        return min(self.total_time_limit_s or per_questions, per_questions)

    @property
    def total_limit_applies(self) -> bool:
        """Whether 整卷限时 shortens the paper (a longer one never comes into play)."""
        total = self.total_time_limit_s
        return total is not None and total < self.question_time_limit_s * self.question_count

    def draw_rules(self) -> list[DrawRule]:
        return [item.to_draw_rule() for item in self.composition]

    def item_value(self, item: CompositionItem) -> float | None:
        """What each question of a composition line is worth here, when that is fixed."""
        override = self.scoring.points_override.get(item.type)
        return float(override) if override is not None else item.points

    def full_marks(self) -> float | None:
        """满分 of a random paper: known when every line's questions have one value."""
        values = [self.item_value(item) for item in self.composition]
        if any(v is None for v in values):
            return None
        pairs = zip(self.composition, values, strict=True)
        return sum(item.count * (value or 0.0) for item, value in pairs)


def load_rules(data: dict[str, Any]) -> CompetitionRules:
    """The rules stored in ``Competition.rules``."""
    return CompetitionRules.model_validate(data)


class _HasRules(Protocol):
    id: int | None
    rules: dict[str, Any]


_PARSED: dict[int, tuple[dict[str, Any], CompetitionRules]] = {}
_PARSED_MAX = 1024


def rules_of(competition: _HasRules) -> CompetitionRules:
    """``load_rules(competition.rules)``, parsed once per version of the stored rules.

    The answer path needs the rules on every tap; validating them is most of its CPU. The
    cache compares the stored dictionary itself, so an edit is seen at once. Treat the
    result as read-only.
    """
    key = id_of(competition)
    hit = _PARSED.get(key)
    if hit is not None and hit[0] == competition.rules:
        return hit[1]
    rules = load_rules(competition.rules)
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[key] = (copy.deepcopy(competition.rules), rules)
    return rules


def clock_time(value: str) -> str:
    """A local time of day as "HH:MM" (24-hour); "8:30" becomes "08:30"."""
    try:
        return datetime.strptime(value.strip(), "%H:%M").strftime("%H:%M")
    except ValueError:
        raise ValueError(f'a time of day looks like "18:00", got {value!r}') from None


def daily_cron(hh_mm: str) -> str:
    """The crontab line for every day at ``hh_mm``."""
    hours, minutes = clock_time(hh_mm).split(":")
    return f"{int(minutes)} {int(hours)} * * *"
