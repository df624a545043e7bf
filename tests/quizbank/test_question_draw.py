"""Drawing questions by rules and for practice: counts, no repeats, seeds, recency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizbank.models import QuestionType
from quizbank.question_draw import Candidate, CannotDraw, DrawRule, UnmetRule, draw, draw_practice

# database=None: no .hypothesis/ directory in the shared tree; few examples keep the suite fast.
FAST = settings(max_examples=60, deadline=None, database=None)

SINGLE, MULTIPLE = QuestionType.SINGLE, QuestionType.MULTIPLE
T0 = datetime(2024, 5, 1, tzinfo=UTC)


def bank(*types: QuestionType, first_id: int = 1) -> list[Candidate]:
    return [Candidate(id=first_id + i, type=t) for i, t in enumerate(types)]


# --- rules ---------------------------------------------------------------------------------


def test_draw_meets_each_rule_count() -> None:
    candidates = bank(SINGLE, SINGLE, SINGLE, MULTIPLE, MULTIPLE)
    drawn = draw(
        candidates, [DrawRule(count=2, type=SINGLE), DrawRule(count=1, type=MULTIPLE)], seed=1
    )
    types = {c.id: c.type for c in candidates}
    assert sorted(types[i] for i in drawn) == [MULTIPLE, SINGLE, SINGLE]


def test_draw_filters_on_category_and_difficulty() -> None:
    candidates = [
        Candidate(id=1, type=SINGLE, category="检验", difficulty=3),
        Candidate(id=2, type=SINGLE, category="检验", difficulty=1),
        Candidate(id=3, type=SINGLE, category="工艺", difficulty=3),
    ]
    assert draw(candidates, [DrawRule(count=1, category="检验", difficulty=3)], seed=5) == [1]


def test_question_taken_by_earlier_rule_is_not_drawn_again() -> None:
    candidates = bank(SINGLE, SINGLE, MULTIPLE)
    drawn = draw(candidates, [DrawRule(count=2, type=SINGLE), DrawRule(count=1)], seed=3)
    assert sorted(drawn) == [1, 2, 3]


def test_cannot_draw_reports_availability_after_earlier_rules() -> None:
    candidates = bank(SINGLE, SINGLE, MULTIPLE, MULTIPLE)
    singles, anything = DrawRule(count=2, type=SINGLE), DrawRule(count=3)
    with pytest.raises(CannotDraw) as raised:
        draw(candidates, [singles, anything], seed=0)
    assert raised.value.unmet == [UnmetRule(rule=anything, wanted=3, available=2)]


def test_cannot_draw_lists_every_unmet_rule() -> None:
    candidates = bank(SINGLE, MULTIPLE)
    rules = [
        DrawRule(count=2, type=SINGLE),
        DrawRule(count=1, type=MULTIPLE),
        DrawRule(count=1, type=QuestionType.BLANK),
    ]
    with pytest.raises(CannotDraw) as raised:
        draw(candidates, rules, seed=0)
    assert raised.value.unmet == [
        UnmetRule(rule=rules[0], wanted=2, available=1),
        UnmetRule(rule=rules[2], wanted=1, available=0),
    ]


def test_unmet_rule_still_consumes_its_matches_before_later_rules() -> None:
    # Once the single rule is fixed by adding singles, "anything" keeps only the 3 multiples.
    candidates = bank(SINGLE, SINGLE, MULTIPLE, MULTIPLE, MULTIPLE)
    singles, anything = DrawRule(count=3, type=SINGLE), DrawRule(count=4)
    with pytest.raises(CannotDraw) as raised:
        draw(candidates, [singles, anything], seed=0)
    assert raised.value.unmet == [
        UnmetRule(rule=singles, wanted=3, available=2),
        UnmetRule(rule=anything, wanted=4, available=3),
    ]


def test_duplicate_candidate_ids_are_refused() -> None:
    with pytest.raises(ValueError):
        draw([Candidate(id=1, type=SINGLE)] * 2, [DrawRule(count=1)], seed=0)


def test_different_seeds_give_different_papers() -> None:
    candidates = bank(*[SINGLE] * 20)
    papers = {tuple(draw(candidates, [DrawRule(count=10)], seed=s)) for s in range(5)}
    assert len(papers) > 1


def test_paper_order_does_not_group_questions_by_rule() -> None:
    candidates = bank(*[SINGLE] * 6, *[MULTIPLE] * 6)
    rules = [DrawRule(count=6, type=SINGLE), DrawRule(count=6, type=MULTIPLE)]
    types = {c.id: c.type for c in candidates}
    grouped = [SINGLE] * 6 + [MULTIPLE] * 6
    papers = [[types[i] for i in draw(candidates, rules, seed=s)] for s in range(5)]
    assert any(paper != grouped for paper in papers)


# --- recency -------------------------------------------------------------------------------


def test_draw_prefers_unseen_then_least_recently_seen() -> None:
    candidates = bank(SINGLE, SINGLE, SINGLE, SINGLE)
    seen = {1: T0, 2: T0 - timedelta(days=30), 3: T0 - timedelta(days=1)}
    drawn = draw(candidates, [DrawRule(count=2)], seed=9, recently_seen=seen)
    assert sorted(drawn) == [2, 4]


def test_practice_returns_fewer_when_bank_is_small() -> None:
    assert sorted(draw_practice(bank(SINGLE, MULTIPLE), 10, seed=0)) == [1, 2]


def test_practice_prefers_unseen_then_least_recently_seen() -> None:
    seen = {1: T0, 2: T0 - timedelta(hours=2), 3: T0 - timedelta(hours=1)}
    drawn = draw_practice(bank(SINGLE, SINGLE, SINGLE, SINGLE), 2, seed=4, recently_seen=seen)
    assert sorted(drawn) == [2, 4]


# --- properties ----------------------------------------------------------------------------

candidate_lists = st.lists(
    st.builds(
        Candidate,
        id=st.integers(min_value=1, max_value=10_000),
        type=st.sampled_from(QuestionType),
        category=st.sampled_from(["", "检验", "工艺"]),
        difficulty=st.integers(min_value=1, max_value=3),
    ),
    max_size=25,
    unique_by=lambda c: c.id,
)
rule_lists = st.lists(
    st.builds(
        DrawRule,
        count=st.integers(min_value=0, max_value=6),
        type=st.none() | st.sampled_from(QuestionType),
        category=st.none() | st.sampled_from(["", "检验", "工艺"]),
        difficulty=st.none() | st.integers(min_value=1, max_value=3),
    ),
    max_size=4,
)


@st.composite
def seen_maps(draw_: st.DrawFn, candidates: list[Candidate]) -> dict[int, datetime]:
    seen_ids = draw_(st.sets(st.sampled_from([c.id for c in candidates]))) if candidates else ()
    # Few distinct days, so equal timestamps (ties broken by the seed) come up often.
    return {i: T0 - timedelta(days=draw_(st.integers(0, 3))) for i in seen_ids}


def assignable(drawn: list[int], candidates: list[Candidate], rules: list[DrawRule]) -> bool:
    """Whether every rule slot can be given its own drawn question matching it (bipartite)."""
    by_id = {c.id: c for c in candidates}
    slots = [rule for rule in rules for _ in range(rule.count)]
    owner: dict[int, int] = {}  # drawn id -> slot

    def place(slot: int, tried: set[int]) -> bool:
        for qid in drawn:
            if qid not in tried and slots[slot].matches(by_id[qid]):
                tried.add(qid)
                if qid not in owner or place(owner[qid], tried):
                    owner[qid] = slot
                    return True
        return False

    return len(slots) == len(drawn) and all(place(s, set()) for s in range(len(slots)))


@FAST
@given(candidates=candidate_lists, rules=rule_lists, seed=st.integers())
def test_draw_meets_every_rule_without_repeats_or_reports_unmet(candidates, rules, seed) -> None:
    try:
        drawn = draw(candidates, rules, seed=seed)
    except CannotDraw as error:
        assert error.unmet
        assert all(u.rule in rules and u.available < u.wanted == u.rule.count for u in error.unmet)
        return
    assert len(drawn) == len(set(drawn))
    assert assignable(drawn, candidates, rules)


@FAST
@given(candidates=candidate_lists, data=st.data(), seed=st.integers())
def test_cannot_draw_reports_exactly_the_unmet_rules(candidates, data, seed) -> None:
    # Rules on distinct types never compete, so each one's availability is known up front.
    types = data.draw(st.lists(st.sampled_from(QuestionType), unique=True))
    rules = [DrawRule(count=data.draw(st.integers(0, 6)), type=t) for t in types]
    available = {t: sum(c.type == t for c in candidates) for t in types}
    expected = [
        UnmetRule(rule=r, wanted=r.count, available=available[r.type])
        for r in rules
        if r.count > available[r.type]
    ]
    try:
        drawn = draw(candidates, rules, seed=seed)
    except CannotDraw as error:
        assert error.unmet == expected
    else:
        assert expected == []
        assert len(drawn) == sum(r.count for r in rules)


@FAST
@given(candidates=candidate_lists, rules=rule_lists, data=st.data(), seed=st.integers())
def test_same_seed_gives_same_draw_whatever_the_candidate_order(
    candidates, rules, data, seed
) -> None:
    seen = data.draw(seen_maps(candidates))
    reordered = data.draw(st.permutations(candidates))

    def outcome(pool: list[Candidate]) -> list[int] | list[UnmetRule]:
        try:
            return draw(pool, rules, seed=seed, recently_seen=seen)
        except CannotDraw as error:
            return error.unmet

    assert outcome(candidates) == outcome(reordered)


@FAST
@given(candidates=candidate_lists, data=st.data(), seed=st.integers())
def test_practice_prefers_unseen_and_least_recently_seen(candidates, data, seed) -> None:
    seen = data.draw(seen_maps(candidates))
    count = data.draw(st.integers(min_value=0, max_value=len(candidates) + 3))
    drawn = draw_practice(candidates, count, seed=seed, recently_seen=seen)
    assert len(drawn) == len(set(drawn)) == min(count, len(candidates))
    assert drawn == draw_practice(list(reversed(candidates)), count, seed=seed, recently_seen=seen)

    def staleness(qid: int) -> tuple[bool, datetime]:
        return (qid in seen, seen.get(qid, T0))

    left_out = {c.id for c in candidates} - set(drawn)
    assert all(staleness(d) <= staleness(o) for d in drawn for o in left_out)
