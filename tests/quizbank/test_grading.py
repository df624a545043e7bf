"""Grading rules per question type, blank normalisation, and option shuffling."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizbank.grading import (
    Grade,
    MultiplePolicy,
    grade,
    normalize_blank,
    shuffled_order,
    to_displayed,
    to_stored,
)
from quizbank.models import QuestionType

# database=None: no .hypothesis/ directory in the shared tree; few examples keep the suite fast.
FAST = settings(max_examples=60, deadline=None, database=None)

PARTIAL = MultiplePolicy.PARTIAL


# --- single choice and true/false -------------------------------------------------------


def test_single_choice_right_option_scores_full() -> None:
    assert grade(QuestionType.SINGLE, [2], 2) == Grade(credit=1.0, correct=True)


def test_single_choice_wrong_option_scores_zero() -> None:
    assert grade(QuestionType.SINGLE, [2], 1) == Grade(credit=0.0, correct=False)


def test_question_type_given_as_plain_string_is_accepted() -> None:
    assert grade("single", [0], 0).correct  # type: ignore[arg-type]


def test_true_false_matching_bool_scores_full() -> None:
    assert grade(QuestionType.TRUE_FALSE, [False], False) == Grade(credit=1.0, correct=True)


def test_true_false_opposite_bool_scores_zero() -> None:
    assert grade(QuestionType.TRUE_FALSE, [True], False) == Grade(credit=0.0, correct=False)


# --- multiple choice -----------------------------------------------------------------------


def test_multiple_choice_exact_set_scores_full_under_either_policy() -> None:
    for policy in MultiplePolicy:
        result = grade(QuestionType.MULTIPLE, [0, 2], [2, 0], multiple_policy=policy)
        assert result == Grade(credit=1.0, correct=True)


def test_multiple_choice_duplicate_selections_are_ignored() -> None:
    assert grade(QuestionType.MULTIPLE, [0, 2], [0, 2, 2, 0]).correct


def test_multiple_choice_subset_scores_zero_when_all_or_nothing() -> None:
    assert grade(QuestionType.MULTIPLE, [0, 1, 3], [0, 1]) == Grade(credit=0.0, correct=False)


def test_multiple_choice_subset_scores_half() -> None:
    result = grade(QuestionType.MULTIPLE, [0, 1, 3], [3], multiple_policy=PARTIAL)
    assert result == Grade(credit=0.5, correct=False)


def test_multiple_choice_subset_scores_configured_fraction() -> None:
    result = grade(
        QuestionType.MULTIPLE, [0, 1], [1], multiple_policy=PARTIAL, partial_fraction=0.4
    )
    assert result.credit == 0.4


def test_multiple_choice_any_wrong_option_scores_zero() -> None:
    # Two right options and one wrong: 错选不得分 even though most of the selection is right.
    result = grade(QuestionType.MULTIPLE, [0, 1, 3], [0, 1, 2], multiple_policy=PARTIAL)
    assert result == Grade(credit=0.0, correct=False)


def test_multiple_choice_superset_scores_zero() -> None:
    result = grade(QuestionType.MULTIPLE, [0, 1], [0, 1, 2, 3], multiple_policy=PARTIAL)
    assert result.credit == 0.0


def test_multiple_choice_empty_selection_scores_zero() -> None:
    assert grade(QuestionType.MULTIPLE, [0, 1], [], multiple_policy=PARTIAL).credit == 0.0


# --- fill in the blank ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_text", "expected"),
    [
        ("ＰＤＣＡ", "pdca"),  # full-width letters
        ("１９７８", "1978"),  # full-width digits
        ("Pdca", "pdca"),  # case
        ("  全面   质量\t管理 ", "全面质量管理"),  # trim; a space inside Chinese text goes
        ("  ISO   9001 ", "iso 9001"),  # between Latin words it is collapsed, not dropped
        ("\u3000质量\u3000", "质量"),  # ideographic space
        ("质量第一。", "质量第一"),
        ("质量第一！", "质量第一"),  # full-width ！ folds to ! and is stripped
        ("六西格玛；", "六西格玛"),
        ("ISO 9001.", "iso 9001"),
        ("“质量第一。”", "“质量第一"),  # closing quote and the full stop before it
        ("答案 。", "答案"),
        ("3.14", "3.14"),  # inner punctuation stays
        ("？", "?"),  # nothing but punctuation is kept rather than emptied
    ],
)
def test_normalize_blank(given_text: str, expected: str) -> None:
    assert normalize_blank(given_text) == expected


def test_blank_full_width_case_and_trailing_punctuation_still_match() -> None:
    result = grade(QuestionType.BLANK, [["PDCA"]], ["ｐｄｃａ。"])
    assert result == Grade(credit=1.0, correct=True, blanks=(True,))


def test_blank_full_width_brackets_match_half_width() -> None:
    assert grade(QuestionType.BLANK, [["戴明环（PDCA）"]], ["戴明环(pdca)"]).correct


def test_blank_any_alternative_is_accepted() -> None:
    assert grade(QuestionType.BLANK, [["1978", "1978年"]], ["1978年"]).correct


def test_blank_one_of_two_right_scores_half() -> None:
    result = grade(QuestionType.BLANK, [["计划"], ["执行"]], ["计划", "检查"])
    assert result == Grade(credit=0.5, correct=False, blanks=(True, False))


def test_blank_missing_response_counts_wrong() -> None:
    result = grade(QuestionType.BLANK, [["计划"], ["执行"]], ["计划"])
    assert result == Grade(credit=0.5, correct=False, blanks=(True, False))


def test_blank_extra_responses_are_ignored() -> None:
    result = grade(QuestionType.BLANK, [["计划"]], ["计划", "多余"])
    assert result == Grade(credit=1.0, correct=True, blanks=(True,))


def test_blank_empty_response_is_wrong() -> None:
    assert not grade(QuestionType.BLANK, [["计划"]], [" 。"]).correct


# --- wrong shapes are programming errors ---------------------------------------------------


@pytest.mark.parametrize(
    ("qtype", "answer", "response"),
    [
        (QuestionType.SINGLE, [0], "A"),
        (QuestionType.SINGLE, [0], 8),  # beyond the last possible option (H)
        (QuestionType.SINGLE, [0], -1),
        (QuestionType.SINGLE, [0], True),  # a bool is not an option index
        (QuestionType.SINGLE, [0, 1], 0),  # malformed answer
        (QuestionType.MULTIPLE, [0, 1], 0),
        (QuestionType.MULTIPLE, [0, 1], "01"),
        (QuestionType.MULTIPLE, [0, 1], [0, 9]),
        (QuestionType.MULTIPLE, [], [0]),
        (QuestionType.TRUE_FALSE, [True], 1),
        (QuestionType.TRUE_FALSE, [True], "true"),
        (QuestionType.BLANK, [["计划"]], "计划"),  # a bare string, not one per blank
        (QuestionType.BLANK, [["计划"]], [1978]),
        (QuestionType.BLANK, ["计划"], ["计划"]),  # alternatives must be a list per blank
    ],
)
def test_wrong_shape_raises_value_error(
    qtype: QuestionType, answer: list, response: object
) -> None:
    with pytest.raises(ValueError):
        grade(qtype, answer, response)


def test_partial_fraction_outside_zero_to_one_raises() -> None:
    with pytest.raises(ValueError):
        grade(QuestionType.MULTIPLE, [0], [0], multiple_policy=PARTIAL, partial_fraction=1.5)


# --- shuffling -----------------------------------------------------------------------------


def test_to_stored_maps_displayed_positions_back() -> None:
    order = [2, 0, 3, 1]  # A shows stored C, B shows stored A, ...
    assert to_stored(1, order) == 0
    assert to_stored([3, 0, 0], order) == [1, 2]


def test_to_displayed_gives_sorted_display_positions() -> None:
    assert to_displayed([0, 2], [2, 0, 3, 1]) == [0, 1]


def test_to_stored_rejects_position_outside_the_order() -> None:
    with pytest.raises(ValueError):
        to_stored(-1, [1, 0])  # must not wrap around to the last option


def test_shuffled_order_is_deterministic_for_a_seed() -> None:
    assert shuffled_order(8, random.Random(7)) == shuffled_order(8, random.Random(7))


@st.composite
def shuffled_choice_question(draw: st.DrawFn) -> tuple[QuestionType, list[int], list[int], int]:
    n_options = draw(st.integers(min_value=2, max_value=8))
    qtype = draw(st.sampled_from([QuestionType.SINGLE, QuestionType.MULTIPLE]))
    indices = st.integers(min_value=0, max_value=n_options - 1)
    if qtype is QuestionType.SINGLE:
        answer = [draw(indices)]
    else:
        answer = sorted(draw(st.sets(indices, min_size=1)))
    return qtype, answer, shuffled_order(n_options, random.Random(draw(st.integers()))), n_options


@FAST
@given(question=shuffled_choice_question(), data=st.data())
def test_shuffled_question_grades_like_unshuffled(question, data: st.DataObject) -> None:
    qtype, answer, order, n_options = question
    indices = st.integers(min_value=0, max_value=n_options - 1)
    # The worker means some stored options; on screen they click where those are displayed.
    if qtype is QuestionType.SINGLE:
        meant = data.draw(indices)
        clicked: int | list[int] = order.index(meant)
    else:
        meant = data.draw(st.lists(indices, max_size=n_options + 2))
        clicked = data.draw(st.permutations(to_displayed(meant, order)))
    for policy in MultiplePolicy:
        shuffled = grade(qtype, answer, to_stored(clicked, order), multiple_policy=policy)
        assert shuffled == grade(qtype, answer, meant, multiple_policy=policy)


@FAST
@given(question=shuffled_choice_question())
def test_clicking_the_displayed_correct_letters_is_correct(question) -> None:
    qtype, answer, order, _ = question
    shown = to_displayed(answer, order)
    clicked = shown[0] if qtype is QuestionType.SINGLE else shown
    assert grade(qtype, answer, to_stored(clicked, order)).correct


@FAST
@given(n_options=st.integers(min_value=0, max_value=8), seed=st.integers())
def test_shuffled_order_is_a_permutation(n_options: int, seed: int) -> None:
    assert sorted(shuffled_order(n_options, random.Random(seed))) == list(range(n_options))


@FAST
@given(text=st.text(max_size=30))
def test_normalize_blank_is_idempotent(text: str) -> None:
    once = normalize_blank(text)
    assert normalize_blank(once) == once
