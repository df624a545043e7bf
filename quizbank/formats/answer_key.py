"""The answer key at the end of a numbered bank (参考答案：1.B 2.C 3-5 ADB …).

Keys restart their numbers per section as the questions do, so an entry is matched to
the first question of that number not yet keyed — within the key's own section when it
has headings (一、单选题 …), else in document order. That serves both a key with section
headings and one plain run of numbers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from quizbank.formats.numbered_lines import Heading, heading, ordinal_heading, trailing_labels

# An entry opens with its number (or a range "1-5") and a separator, or goes straight
# to a letter/✓ answer ("1B"); "1.5" and the digits inside "1978" are no entry.
_ENTRY = re.compile(
    r"(?<![\d.．])(?P<n>\d{1,4})(?:\s*[-–—~～]\s*(?P<to>\d{1,4}))?\s*"
    r"(?:[.．、,，:：)）](?!\d)|(?=\s*[A-HＡ-Ｈ√×✓✔✗✘]))"
)
_TRAILING = " \t，,;；。"


@dataclass(slots=True)
class KeyEntry:
    line: int
    number: int
    answer: str
    heading: Heading | None
    explanation: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class KeyProblem:
    line: int
    code: str
    params: dict[str, Any]


def parse_entries(text: str) -> list[tuple[int, str]] | None:
    """(number, answer) for a key line; None unless the line opens with an entry.

    Raises ``ValueError`` with a ``KeyProblem``-ready (code, params) for a range whose
    answers do not count up to it.
    """
    starts = list(_ENTRY.finditer(text))
    if not starts or starts[0].start() != 0:
        return None
    entries: list[tuple[int, str]] = []
    for index, match in enumerate(starts):
        stop = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        value = text[match.end() : stop].strip(_TRAILING)
        first = int(match.group("n"))
        if match.group("to") is None:
            entries.append((first, value))
            continue
        last = int(match.group("to"))
        answers = [c for c in value if not c.isspace() and c not in _TRAILING]
        if last < first or len(answers) != last - first + 1:
            raise ValueError("key_range_mismatch", {"start": first, "end": last, "answer": value})
        entries += [(first + i, answer) for i, answer in enumerate(answers)]
    return entries


def is_entry_line(text: str) -> bool:
    try:
        return parse_entries(text) is not None
    except ValueError:
        return True


class AnswerKey:
    """Fed every line after the key's title; ``entries`` and ``problems`` as read."""

    def __init__(self) -> None:
        self.entries: list[KeyEntry] = []
        self.problems: list[KeyProblem] = []
        self._heading: Heading | None = None

    def feed(self, line: int, text: str) -> None:
        text = self._take_heading(text)
        if not text:
            return
        text, labels = trailing_labels(text)
        try:
            entries = parse_entries(text)
        except ValueError as exc:
            code, params = exc.args
            self.problems.append(KeyProblem(line, code, params))
            return
        if entries is None:
            self._continue(line, text, labels)
            return
        for number, answer in entries:
            self.entries.append(KeyEntry(line, number, answer, self._heading))
        self._explain(labels)

    def _take_heading(self, text: str) -> str:
        """A section heading sets the scope; "一、单选题：1.B 2.C" shares its line."""
        start = _ENTRY.search(text)
        before = text[: start.start()] if start else text
        title = before.strip().rstrip(":：")
        found = heading(title) or (ordinal_heading(title) if title else None)
        if found is None:
            return text
        self._heading = found
        return text[start.start() :] if start else ""

    def _continue(self, line: int, text: str, labels: list[tuple[str, str]]) -> None:
        # A wrapped explanation of the last entry; anything else is not a key line.
        if self.entries and self.entries[-1].explanation:
            self.entries[-1].explanation.append(text)
            return
        if not text and labels and self.entries:
            self._explain(labels)
            return
        self.problems.append(KeyProblem(line, "key_line_unreadable", {"text": text[:40]}))

    def _explain(self, labels: list[tuple[str, str]]) -> None:
        for name, value in labels:
            if name == "explanation" and self.entries and value:
                self.entries[-1].explanation.append(value)


def same_answer(first: str, second: str) -> bool:
    """Width, case, spacing and separators do not make answers differ ("A、C" is "ac")."""

    def compact(text: str) -> str:
        return re.sub(r"[\s,，、;；/]+", "", unicodedata.normalize("NFKC", text)).casefold()

    return compact(first) == compact(second)
