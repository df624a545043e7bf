"""Rule sets of the live final as data: published 质量知识竞赛 finals, every number editable.

A segment's rules are a flat mapping (``value``, ``deduction``, ``answer_s`` …) checked
against :data:`RULES`; a preset lists the segments in order with their rules and the number
of questions each takes from the bank. ``standard`` follows county and enterprise finals
(100 points to start, +10/−10, risk 10/30/50); ``regional`` the 苏浙皖赣沪 final's
(200 points, +20/−20, risk 20/40/60).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contest.errors import ContestError
from contest.live.models import SegmentKind


@dataclass(frozen=True)
class Rule:
    """One editable number or switch: its type and the range it may take."""

    kind: type
    low: int = 0
    high: int = 1000


RULES: dict[str, Rule] = {
    "value": Rule(int, 0, 1000),  # points for a right answer
    "deduction": Rule(int, 0, 1000),  # points lost for a wrong or late answer
    "answer_s": Rule(int, 5, 600),  # seconds to answer
    "buzz_window_s": Rule(int, 3, 120),  # seconds after 开始 in which a buzz counts
    "false_start_penalty": Rule(int, 0, 1000),  # points lost for a false start past the free
    "false_starts_free": Rule(int, 0, 10),  # false starts per team that cost only the question
    "max_wrong": Rule(int, 1, 10),  # wrong answers before the question goes to the audience
    "to_audience": Rule(bool),  # an unanswered question becomes a 观众题
    "values": Rule(list, 1, 1000),  # 风险题: the values a team may pick
    "questions": Rule(int, 0, 200),  # how many questions the segment takes from the bank
}

BASE: dict[SegmentKind, dict[str, Any]] = {
    SegmentKind.COMPULSORY: {"value": 10, "deduction": 0, "answer_s": 60, "questions": 6},
    SegmentKind.BUZZER: {
        "value": 10,
        "deduction": 10,
        "answer_s": 60,
        "buzz_window_s": 15,
        "false_start_penalty": 20,
        "false_starts_free": 1,
        "max_wrong": 2,
        "to_audience": True,
        "questions": 10,
    },
    SegmentKind.RISK: {"values": [10, 30, 50], "answer_s": 120, "questions": 6},
    SegmentKind.TIEBREAK: {
        "value": 10,
        "answer_s": 60,
        "buzz_window_s": 15,
        "false_start_penalty": 0,
        "false_starts_free": 0,
        "questions": 5,
    },
    SegmentKind.AUDIENCE: {"answer_s": 30, "questions": 3},
}

ORDER = (
    SegmentKind.COMPULSORY,
    SegmentKind.BUZZER,
    SegmentKind.RISK,
    SegmentKind.AUDIENCE,
    SegmentKind.TIEBREAK,
)


@dataclass(frozen=True)
class Preset:
    name: str
    start_score: int
    segments: tuple[tuple[SegmentKind, dict[str, Any]], ...]


def _preset(name: str, start: int, **overrides: dict[str, Any]) -> Preset:
    segments = tuple((kind, {**BASE[kind], **overrides.get(kind.value, {})}) for kind in ORDER)
    return Preset(name, start, segments)


PRESETS: dict[str, Preset] = {
    "standard": _preset("standard", 100),
    "regional": _preset(
        "regional",
        200,
        compulsory={"value": 20},
        buzzer={"value": 20, "deduction": 20},
        risk={"values": [20, 40, 60]},
        tiebreak={"value": 20},
    ),
}


def preset(name: str) -> Preset:
    found = PRESETS.get(name)
    if found is None:
        raise ContestError("live_unknown_preset", name=name, known=", ".join(PRESETS))
    return found


def checked_rules(kind: SegmentKind, rules: dict[str, Any]) -> dict[str, Any]:
    """``rules`` over the kind's defaults, each value checked; a bad one is refused by name."""
    merged = dict(BASE[kind])
    for key, value in rules.items():
        rule = RULES.get(key)
        if rule is None:
            raise ContestError("live_unknown_rule", rule=key)
        merged[key] = _checked(key, rule, value)
    return merged


def _checked(key: str, rule: Rule, value: Any) -> Any:
    if rule.kind is bool:
        if isinstance(value, bool):
            return value
        if str(value).lower() in {"1", "true", "yes", "on", "是"}:
            return True
        if str(value).lower() in {"0", "false", "no", "off", "否"}:
            return False
        raise ContestError("live_bad_rule", rule=key, value=str(value)[:20])
    if rule.kind is list:
        items = value if isinstance(value, list) else str(value).replace("/", ",").split(",")
        numbers = [_number(key, rule, item) for item in items if str(item).strip()]
        if not numbers or len(numbers) > 6:
            raise ContestError("live_bad_rule", rule=key, value=str(value)[:20])
        return numbers
    return _number(key, rule, value)


def _number(key: str, rule: Rule, value: Any) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or not rule.low <= int(text) <= rule.high:
        raise ContestError("live_bad_rule", rule=key, value=text[:20])
    return int(text)
