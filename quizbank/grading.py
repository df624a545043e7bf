"""Grading a worker's response against a question's canonical answer (判分), and option shuffling.

Pure functions: no database, no Telegram. ``answer`` is always the canonical encoding described
on :class:`quizbank.models.Question`; responses refer to options in stored order, so a caller
that shuffles options maps displayed positions back with :func:`to_stored` before grading.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from quizbank.models import MAX_OPTIONS, QuestionType

# Trailing punctuation a worker may or may not type after a blank answer. NFKC folds full-width
# forms such as ，！） to ASCII before this runs, but leaves 。、 and CJK quotes/brackets alone.
_TRAILING_PUNCTUATION = ".,;:!?" + "。，、；：！？" + "\"')]}" + "”’」』》〉】〕〗〙〛）"
_CJK = "\u2e80-\u9fff\uf900-\ufaff"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")


class MultiplePolicy(StrEnum):
    """How a multiple-choice question (多选题) that is not exactly right is scored."""

    ALL_OR_NOTHING = "all_or_nothing"
    PARTIAL = "partial"  # 少选得一半，错选不得分


@dataclass(frozen=True)
class Grade:
    """The outcome of grading one response."""

    credit: float  # 0.0..1.0 share of the question's points earned, before any speed bonus
    correct: bool  # fully correct
    blanks: tuple[bool, ...] = ()  # per-blank outcome for blank questions


def grade(
    qtype: QuestionType,
    answer: Sequence[Any],
    response: Any,
    *,
    multiple_policy: MultiplePolicy = MultiplePolicy.ALL_OR_NOTHING,
    partial_fraction: float = 0.5,
) -> Grade:
    """Grade ``response`` against the canonical ``answer`` of a question of type ``qtype``.

    Raises ``ValueError`` when the response or answer has the wrong shape: input is validated
    at the edge, so reaching here with one is a programming error, not a wrong answer.
    """
    # Accept the plain strings a database column may hand back as well as the enum.
    qtype = QuestionType(qtype)
    if qtype is QuestionType.SINGLE:
        return _grade_single(answer, response)
    if qtype is QuestionType.MULTIPLE:
        if not 0.0 <= partial_fraction <= 1.0:
            raise ValueError(f"partial_fraction must be within 0..1, got {partial_fraction!r}")
        # A plain "partial" string from settings must not silently grade as all-or-nothing.
        policy = MultiplePolicy(multiple_policy)
        return _grade_multiple(answer, response, policy, partial_fraction)
    if qtype is QuestionType.TRUE_FALSE:
        return _grade_true_false(answer, response)
    if qtype is QuestionType.BLANK:
        return _grade_blank(answer, response)
    raise AssertionError(f"unhandled question type {qtype!r}")


def normalize_blank(text: str) -> str:
    """Fold a fill-in-the-blank text so that trivially different spellings compare equal.

    NFKC (full-width → half-width), casefold, trim, collapse whitespace, drop trailing
    punctuation and closing quotes/brackets.
    """
    # NFKC again after casefold: casefolding can produce sequences NFKC would still rewrite,
    # and the result must be stable when normalised twice.
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    # A space typed inside Chinese text ("戴明 环") is a slip of the input method, not a word
    # break: it goes; spaces between Latin words ("ISO 9001") stay.
    collapsed = _CJK_SPACE.sub("", " ".join(folded.split()))
    stripped = collapsed.rstrip(_TRAILING_PUNCTUATION + " ")
    # An answer that is nothing but punctuation keeps it rather than becoming empty.
    return stripped or collapsed


def shuffled_order(n_options: int, rng: random.Random) -> list[int]:
    """A random display order: display position ``i`` shows stored option ``order[i]``."""
    if n_options < 0:
        raise ValueError(f"n_options must not be negative, got {n_options}")
    order = list(range(n_options))
    rng.shuffle(order)
    return order


def to_stored(displayed: int | Iterable[int], order: Sequence[int]) -> int | list[int]:
    """Map displayed position(s) back to stored option indices.

    An int maps to an int; an iterable maps to sorted, de-duplicated stored indices, the same
    shape as the canonical answer.
    """
    _check_permutation(order)
    if _is_index(displayed):
        return order[_checked_index(displayed, len(order))]
    if isinstance(displayed, str | bytes) or not isinstance(displayed, Iterable):
        raise ValueError(f"displayed must be an index or indices, got {displayed!r}")
    return sorted({order[_checked_index(d, len(order))] for d in displayed})


def to_displayed(stored: Iterable[int], order: Sequence[int]) -> list[int]:
    """Display positions of the given stored options, sorted (e.g. the correct letters)."""
    _check_permutation(order)
    position = {option: shown_at for shown_at, option in enumerate(order)}
    return sorted({position[_checked_index(s, len(order))] for s in stored})


def _grade_single(answer: Sequence[Any], response: Any) -> Grade:
    (correct_index,) = _choice_answer(answer, single=True)
    chosen = _checked_index(response, MAX_OPTIONS)
    return _all_or_nothing(chosen == correct_index)


def _grade_multiple(
    answer: Sequence[Any], response: Any, policy: MultiplePolicy, partial_fraction: float
) -> Grade:
    correct = set(_choice_answer(answer, single=False))
    if isinstance(response, str | bytes) or not isinstance(response, Iterable):
        raise ValueError(f"multiple-choice response must be indices, got {response!r}")
    chosen = {_checked_index(r, MAX_OPTIONS) for r in response}
    if chosen == correct:
        return _all_or_nothing(True)
    # 少选得一半，错选不得分: a partial answer earns only if every chosen option is right.
    if policy is MultiplePolicy.PARTIAL and chosen and chosen < correct:
        return Grade(credit=partial_fraction, correct=False)
    return _all_or_nothing(False)


def _grade_true_false(answer: Sequence[Any], response: Any) -> Grade:
    if len(answer) != 1 or not isinstance(answer[0], bool):
        raise ValueError(f"true/false answer must be [true] or [false], got {answer!r}")
    if not isinstance(response, bool):
        raise ValueError(f"true/false response must be a bool, got {response!r}")
    return _all_or_nothing(response is answer[0])


def _grade_blank(answer: Sequence[Any], response: Any) -> Grade:
    _check_blank_answer(answer)
    # A bare str is a sequence of characters, never one string per blank.
    if isinstance(response, str) or not isinstance(response, Sequence):
        raise ValueError(f"blank response must be a sequence of strings, got {response!r}")
    if not all(isinstance(text, str) for text in response):
        raise ValueError(f"blank response must contain only strings, got {response!r}")
    # zip stops at the shorter side: extra responses are ignored, missing ones stay wrong.
    outcomes = [False] * len(answer)
    for i, (alternatives, text) in enumerate(zip(answer, response, strict=False)):
        outcomes[i] = _blank_matches(text, alternatives)
    return Grade(
        credit=sum(outcomes) / len(outcomes), correct=all(outcomes), blanks=tuple(outcomes)
    )


def _check_blank_answer(answer: Sequence[Any]) -> None:
    def well_formed(alternatives: Any) -> bool:
        return (
            isinstance(alternatives, Sequence)
            and not isinstance(alternatives, str)
            and bool(alternatives)
            and all(isinstance(alt, str) for alt in alternatives)
        )

    if not answer or not all(well_formed(alternatives) for alternatives in answer):
        raise ValueError(f"blank answer must be one list of alternatives per blank: {answer!r}")


def _blank_matches(text: str, alternatives: Iterable[str]) -> bool:
    given = normalize_blank(text)
    # An empty response is never right, even against a bad alternative that normalises empty.
    return bool(given) and any(given == normalize_blank(alt) for alt in alternatives)


def _choice_answer(answer: Sequence[Any], *, single: bool) -> list[int]:
    indices = [_checked_index(a, MAX_OPTIONS) for a in answer]
    if not indices or (single and len(indices) != 1):
        raise ValueError(f"malformed choice answer {answer!r}")
    return indices


def _all_or_nothing(right: bool) -> Grade:
    return Grade(credit=1.0 if right else 0.0, correct=right)


def _is_index(value: Any) -> bool:
    # bool is an int subclass; True must not silently mean option B.
    return isinstance(value, int) and not isinstance(value, bool)


def _checked_index(value: Any, n_options: int) -> int:
    if not _is_index(value) or not 0 <= value < n_options:
        raise ValueError(f"option index must be an int in 0..{n_options - 1}, got {value!r}")
    return value


def _check_permutation(order: Sequence[int]) -> None:
    if sorted(order) != list(range(len(order))):
        raise ValueError(f"order must be a permutation of 0..n-1, got {order!r}")
