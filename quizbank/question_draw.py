"""Drawing questions for a paper (抽题) by rules, and for practice, deterministically by seed.

Pure functions over lightweight :class:`Candidate` records; the caller loads them from the
question bank and stores the seed so that a draw can be reproduced. Near-duplicate copies
(重复题: one ``group``, the question's twin key) never meet on one paper or in one round:
once a copy is drawn, the others leave the pool.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from quizbank.models import QuestionType


@dataclass(frozen=True)
class Candidate:
    """What drawing needs to know about one active question."""

    id: int
    type: QuestionType
    category: str = ""
    difficulty: int = 2
    points: float = 1.0  # the bank's points (a competition may override them per type)
    group: str = ""  # near-duplicate copies share one; "" is a question of its own


@dataclass(frozen=True)
class DrawRule:
    """Draw ``count`` questions matching every given filter; ``None`` matches anything.

    ``points`` filters on the bank's points, which is how a paper keeps its total equal for
    every worker when a type's questions are worth different points.
    """

    count: int
    type: QuestionType | None = None
    category: str | None = None
    difficulty: int | None = None
    points: float | None = None

    def matches(self, candidate: Candidate) -> bool:
        return (
            (self.type is None or candidate.type == self.type)
            and (self.category is None or candidate.category == self.category)
            and (self.difficulty is None or candidate.difficulty == self.difficulty)
            and (self.points is None or candidate.points == self.points)
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
        available = len({c.group or f"#{c.id}" for c in matching})
        if available < rule.count:
            unmet.append(UnmetRule(rule=rule, wanted=rule.count, available=available))
        # An unmet rule still takes what it can, so later rules report what would really be
        # left for them once this one is fixed by adding questions it alone can use.
        picked = _distinct(matching, rule.count)
        drawn.extend(c.id for c in picked)
        taken = {c.id for c in picked}
        groups = {c.group for c in picked if c.group}
        remaining = [c for c in remaining if c.id not in taken and c.group not in groups]
    if unmet:
        raise CannotDraw(unmet)
    # Shuffle so the paper's order reveals neither the rules nor the worker's history.
    rng.shuffle(drawn)
    return drawn


def _distinct(matching: Sequence[Candidate], count: int) -> list[Candidate]:
    """The first ``count`` of ``matching`` with no two copies of one question."""
    picked: list[Candidate] = []
    groups: set[str] = set()
    for candidate in matching:
        if len(picked) == count:
            break
        if candidate.group and candidate.group in groups:
            continue
        picked.append(candidate)
        groups.add(candidate.group)
    return picked


def shortfalls(candidates: Sequence[Candidate], rules: Sequence[DrawRule]) -> list[UnmetRule]:
    """Rules that some seed could leave short: the check behind "every draw succeeds".

    :func:`draw` lets earlier rules take first, at random. A rule is safe for every seed when
    its matching questions, less the most that earlier rules could take from them, still
    cover its count; ``available`` is that worst case. Copies of one question count once
    (a paper takes one of them), as one unit of what a rule can use or lose.
    """
    matching = [{c.group or f"#{c.id}" for c in candidates if rule.matches(c)} for rule in rules]
    unmet: list[UnmetRule] = []
    for i, rule in enumerate(rules):
        taken = sum(min(rules[j].count, len(matching[i] & matching[j])) for j in range(i))
        available = max(len(matching[i]) - taken, 0)
        if available < rule.count:
            unmet.append(UnmetRule(rule=rule, wanted=rule.count, available=available))
    return unmet


def split_by_points(candidates: Sequence[Candidate], rule: DrawRule) -> list[DrawRule]:
    """``rule`` as one rule per bank points value, so every draw has the same total.

    The counts follow the bank's mix (largest remainders, higher points first on a tie): 10
    questions from 8 worth 1 and 12 worth 2 become 4 × 1 + 6 × 2 on every paper. A rule that
    already names its points, or whose questions are all worth the same, stays as it is
    (with those points named).
    """
    if rule.points is not None:
        return [rule]
    values: dict[float, int] = {}
    for c in candidates:
        if rule.matches(c):
            values[c.points] = values.get(c.points, 0) + 1
    if sum(values.values()) < rule.count:
        return [rule]  # too few questions at all: the count check reports it
    if len(values) == 1:
        return [replace(rule, points=next(iter(values)))]
    total = sum(values.values())
    shares = {v: rule.count * n / total for v, n in values.items()}
    counts = {v: min(int(share), values[v]) for v, share in shares.items()}
    by_remainder = sorted(values, key=lambda v: (-(shares[v] - int(shares[v])), -v))
    while sum(counts.values()) < rule.count:
        grew = False
        for v in by_remainder:
            if sum(counts.values()) < rule.count and counts[v] < values[v]:
                counts[v] += 1
                grew = True
        if not grew:  # the bank is short: leave the shortfall to the count check
            break
    return [replace(rule, count=n, points=v) for v, n in sorted(counts.items()) if n]


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
    drawn = [c.id for c in _distinct(preferred, max(count, 0))]
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
