"""Drawing questions for a paper (抽题) by rules, and for practice, deterministically by seed.

Pure functions over lightweight :class:`Candidate` records; the caller loads them from the
question bank and stores the seed so that a draw can be reproduced.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from quizbank.models import QuestionType


@dataclass(frozen=True)
class Candidate:
    """What drawing needs to know about one active question."""

    id: int
    type: QuestionType
    category: str = ""
    difficulty: int = 2


@dataclass(frozen=True)
class DrawRule:
    """Draw ``count`` questions matching every given filter; ``None`` matches anything."""

    count: int
    type: QuestionType | None = None
    category: str | None = None
    difficulty: int | None = None

    def matches(self, candidate: Candidate) -> bool:
        return (
            (self.type is None or candidate.type == self.type)
            and (self.category is None or candidate.category == self.category)
            and (self.difficulty is None or candidate.difficulty == self.difficulty)
        )


@dataclass(frozen=True)
class UnmetRule:
    """A rule that wanted more questions than were left once earlier rules took theirs."""

    rule: DrawRule
    wanted: int
    available: int


class CannotDraw(Exception):
    """The bank cannot satisfy the rules; ``unmet`` lists every rule that fell short."""

    def __init__(self, unmet: list[UnmetRule]) -> None:
        super().__init__(unmet)
        self.unmet = unmet


def draw(
    candidates: Sequence[Candidate],
    rules: Sequence[DrawRule],
    *,
    seed: int,
    recently_seen: Mapping[int, datetime] | None = None,
) -> list[int]:
    """Question ids satisfying ``rules`` in the given order, no repeats, shuffled by ``seed``.

    Within a rule, never-seen questions come first, then those seen longest ago; ties are
    broken at random by ``seed``. Raises :class:`CannotDraw` listing every unmet rule.
    """
    if any(rule.count < 0 for rule in rules):
        raise ValueError(f"rule counts must not be negative: {rules!r}")
    rng = random.Random(seed)
    remaining = _by_preference(candidates, rng, recently_seen or {})
    drawn: list[int] = []
    unmet: list[UnmetRule] = []
    for rule in rules:
        matching = [c for c in remaining if rule.matches(c)]
        if len(matching) < rule.count:
            unmet.append(UnmetRule(rule=rule, wanted=rule.count, available=len(matching)))
        # An unmet rule still takes what it can, so later rules report what would really be
        # left for them once this one is fixed by adding questions it alone can use.
        picked = [c.id for c in matching[: rule.count]]
        drawn.extend(picked)
        taken = set(picked)
        remaining = [c for c in remaining if c.id not in taken]
    if unmet:
        raise CannotDraw(unmet)
    # Shuffle so the paper's order reveals neither the rules nor the worker's history.
    rng.shuffle(drawn)
    return drawn


def draw_practice(
    candidates: Sequence[Candidate],
    count: int,
    *,
    seed: int,
    recently_seen: Mapping[int, datetime] | None = None,
) -> list[int]:
    """Up to ``count`` ids (fewer if the bank is smaller), preferring unseen, then least recent."""
    rng = random.Random(seed)
    preferred = _by_preference(candidates, rng, recently_seen or {})
    drawn = [c.id for c in preferred[: max(count, 0)]]
    rng.shuffle(drawn)
    return drawn


def _by_preference(
    candidates: Sequence[Candidate], rng: random.Random, recently_seen: Mapping[int, datetime]
) -> list[Candidate]:
    """Candidates ordered never-seen first, then seen longest ago, ties in seeded random order."""
    if len({c.id for c in candidates}) != len(candidates):
        raise ValueError("candidate ids must be unique")
    # Sorting by id first makes the result independent of the order the caller loaded them in.
    ordered = sorted(candidates, key=lambda c: c.id)
    rng.shuffle(ordered)

    # sort() is stable, so candidates with equal staleness keep their shuffled order.
    seen = [c for c in ordered if c.id in recently_seen]
    unseen = [c for c in ordered if c.id not in recently_seen]
    seen.sort(key=lambda c: recently_seen[c.id])
    return unseen + seen
