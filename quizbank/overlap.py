"""Near-duplicate questions across question sets (重复题), found when a bank is imported.

Two banks kept by different people repeat each other: the same question retyped with other
punctuation, a blank written ____ in one and （ ） in the other, a word changed. A paper
drawn from both may ask it twice — with two different answers when the copies disagree. So
an import compares each new stem with the active stems of the other sets, after folding
what does not change the question (width, case, spaces, punctuation, blank markers), and
reports each match: the same stem, or a similar one (difflib ratio ≥ ``SIMILAR``); a
*conflict* when the two copies' right answers differ. The organiser then imports anyway or
skips them. Pure functions here; ``quizbank.service`` reads the other sets.

Finding candidates: a stem's character pairs (bigrams) index the other stems; only stems
sharing one of a new stem's rarest pairs are compared, so 50,000 × 50,000 stays seconds.
"""

from __future__ import annotations

import difflib
import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from i18n import t
from quizbank.formats.rows import RowError
from quizbank.formats.values import STEM_BLANK
from quizbank.grading import normalize_blank
from quizbank.models import CHOICE_TYPES, QuestionType

SIMILAR = 0.85  # difflib ratio of folded stems from which two questions count as one
_RARE_PAIRS = 4  # a stem's rarest character pairs that pick its candidates
_MIN_SHARED = 0.4  # share of pairs a candidate must have before difflib is asked
_POSTING = 200  # stems read per rare pair: bounds the work when a whole bank looks alike
_COMPARED = 8  # candidates per stem given to difflib, those sharing most pairs first


@dataclass(frozen=True, slots=True)
class Stored:
    """A question already in a set, as compared."""

    set_name: str
    type: str
    stem: str
    options: Sequence[str]
    answer: Sequence[Any]
    twin_key: str | None = None

    @property
    def key_of_group(self) -> str:
        """The twin key its copies take (its own, or its stem's for a row from before)."""
        return self.twin_key or stem_key(self.stem)


@dataclass(frozen=True, slots=True)
class Overlap:
    """A new question (``key``, at ``sheet``/``row``) that another set already holds."""

    key: str
    sheet: str
    row: int
    unit: str
    stem: str
    other_set: str
    other_stem: str
    similarity: float  # 1.0: the same once folded
    conflict: bool  # the copies' right answers differ
    mine: str = ""  # the right answers, as the organiser writes them, when they differ
    theirs: str = ""
    twin_key: str = ""  # the other copy's: imported anyway, this one joins its group


def fold(stem: str) -> str:
    """What is compared: letters and digits only, width and case folded, blanks removed."""
    text = STEM_BLANK.sub("", unicodedata.normalize("NFKC", stem)).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def stem_key(stem: str) -> str:
    """A question's twin key by its folded stem: copies that differ only in width, case,
    spaces, punctuation or blank markers share it."""
    return hashlib.sha1(fold(stem).encode()).hexdigest()[:16]


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def answer_signature(qtype: str, options: Sequence[str], answer: Sequence[Any]) -> Any:
    """The right answer in words, so copies with shuffled options still agree."""
    kind = QuestionType(qtype)
    if kind in CHOICE_TYPES:
        return frozenset(normalize_blank(options[i]) for i in answer if 0 <= i < len(options))
    if kind is QuestionType.TRUE_FALSE:
        return bool(answer and answer[0])
    return tuple(frozenset(normalize_blank(a) for a in blank) for blank in answer)


def answers_agree(first: Any, second: Any) -> bool:
    if isinstance(first, tuple) and isinstance(second, tuple):  # blanks: one shared spelling each
        return len(first) == len(second) and all(a & b for a, b in zip(first, second, strict=True))
    return bool(first == second)


def answer_words(qtype: str, options: Sequence[str], answer: Sequence[Any]) -> str:
    kind = QuestionType(qtype)
    if kind in CHOICE_TYPES:
        return "、".join(options[i] for i in answer if 0 <= i < len(options))
    if kind is QuestionType.TRUE_FALSE:
        return "对" if answer and answer[0] else "错"
    return "；".join("|".join(blank) for blank in answer)


class StemIndex:
    """The other sets' stems, folded and indexed by character pairs."""

    def __init__(self, stored: Sequence[Stored]) -> None:
        self.stored = list(stored)
        self.folded = [fold(s.stem) for s in self.stored]
        self.pairs = [_pairs(text) for text in self.folded]
        self.exact: dict[str, list[int]] = defaultdict(list)
        self.by_pair: dict[str, list[int]] = defaultdict(list)
        for index, text in enumerate(self.folded):
            self.exact[text].append(index)
            for pair in self.pairs[index]:
                self.by_pair[pair].append(index)

    def matches(self, stem: str) -> list[tuple[int, float]]:
        """(stored index, similarity) of every stored stem that is this one, best first."""
        text = fold(stem)
        if not text:
            return []
        found = {index: 1.0 for index in self.exact.get(text, [])}
        if found:  # the same question is there: a near one adds nothing to say
            return sorted(found.items())
        pairs = _pairs(text)
        rare = sorted(pairs, key=lambda p: len(self.by_pair.get(p, ())))[:_RARE_PAIRS]
        postings = (self.by_pair.get(p, [])[:_POSTING] for p in rare)
        candidates = {i for posting in postings for i in posting}
        # Generated banks ("第12题：…第12个问题") make thousands of stems alike: difflib
        # sees only the few closest by shared pairs, so a stem costs the same whatever the bank.
        shared = {i: len(pairs & self.pairs[i]) / len(pairs) for i in candidates}
        near = [i for i in shared if shared[i] >= _MIN_SHARED]
        closest = sorted(near, key=lambda i: (-shared[i], i))[:_COMPARED]
        for index in closest:
            other = self.folded[index]
            ratio = difflib.SequenceMatcher(None, text, other, autojunk=False).ratio()
            if ratio >= SIMILAR:
                found[index] = round(ratio, 2)
        return sorted(found.items(), key=lambda item: (-item[1], item[0]))


def find_overlaps(drafts: Sequence[Any], stored: Sequence[Stored]) -> list[Overlap]:
    """Each draft (a ``QuestionDraft``) that one of ``stored`` repeats: its closest match,
    a disagreeing one first (a conflict is what must not reach a paper unseen)."""
    if not drafts or not stored:
        return []
    index = StemIndex(stored)
    out = []
    for draft in drafts:
        matches = index.matches(draft.stem)
        if not matches:
            continue
        mine = answer_signature(draft.type, draft.options, draft.answer)
        judged = []
        for position, similarity in matches:
            other = index.stored[position]
            theirs = answer_signature(other.type, other.options, other.answer)
            judged.append((answers_agree(mine, theirs), -similarity, position))
        agree, minus, position = min(judged)
        other = index.stored[position]
        words = ("", "")
        if not agree:
            words = (
                answer_words(draft.type, draft.options, draft.answer),
                answer_words(other.type, other.options, other.answer),
            )
        out.append(
            Overlap(
                key=draft.key,
                sheet=draft.sheet,
                row=draft.row,
                unit=draft.unit,
                stem=draft.stem,
                other_set=other.set_name,
                other_stem=other.stem,
                similarity=-minus,
                conflict=not agree,
                mine=words[0],
                theirs=words[1],
                twin_key=other.key_of_group,
            )
        )
    return out


def overlap_text(overlap: Overlap, lang: str | None = None) -> str:
    """One line of the import report: where, which set, and how the copies differ."""
    where = RowError(overlap.sheet, overlap.row, "题干", "", unit=overlap.unit).location(lang)
    params = {
        "where": where,
        "other": overlap.other_set,
        "other_stem": _short(overlap.other_stem),
        "percent": round(overlap.similarity * 100),
        "mine": overlap.mine,
        "theirs": overlap.theirs,
    }
    kind = "conflict" if overlap.conflict else "same" if overlap.similarity >= 1 else "similar"
    return t(f"bank.overlap.{kind}", lang, **params)


def _short(stem: str, limit: int = 40) -> str:
    return stem if len(stem) <= limit else stem[: limit - 1] + "…"


def overlap_lines(overlaps: Sequence[Overlap], lang: str | None, *, shown: int) -> list[str]:
    """The report's section on repeated questions: a title, then the first ``shown``."""
    if not overlaps:
        return []
    conflicts = sum(o.conflict for o in overlaps)
    lines = [t("bank.overlap.title", lang, count=len(overlaps), conflicts=conflicts)]
    ordered = sorted(overlaps, key=lambda o: not o.conflict)  # stable: file order within
    lines += [f"  {overlap_text(o, lang)}" for o in ordered[:shown]]
    if len(overlaps) > shown:
        lines.append("  …")
    return lines
