"""Numbered question banks as Word and text files hold them, read into raw rows.

The layout: section headings set the type (一、单选题（每题1分）), each question opens
with its number (1. 1、 (1) ①), options A–H follow on one line or several (or on the
stem's line), and labelled lines give the answer and the rest (答案：B / 【解析】…).
An answer key at the end ("参考答案：1.B 2.C …") fills in answers by number.

The reader goes line by line and keeps where each field was read, so validation
reports a problem at its own line (txt) or paragraph (docx). Answers written into the
stem and type inference happen last, in ``numbered_finish``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from quizbank.formats.answer_key import AnswerKey, is_entry_line, parse_entries, same_answer
from quizbank.formats.headers import CANONICAL_HEADERS
from quizbank.formats.numbered_finish import Block, finish
from quizbank.formats.numbered_lines import (
    Heading,
    KeyTitle,
    QuestionLine,
    heading,
    key_start,
    leading_labels,
    question,
    trailing_labels,
)
from quizbank.formats.options import split_options, starts_with_option
from quizbank.formats.rows import RawRow, RawTable, RowError

_REPEATABLE = ("explanation",)  # a second 解析 line adds to the first


@dataclass(slots=True)
class _Section:
    heading: Heading | None
    style: str | None = None  # the numbering style of its first question
    blocks: list[Block] = field(default_factory=list)


class NumberedReader:
    """One pass over the lines; ``table()`` gives the raw rows and reader errors."""

    def __init__(self, lines: Sequence[tuple[int, str]], *, label: str, unit: str) -> None:
        self.lines = [(number, text.strip()) for number, text in lines if text.strip()]
        self.label = label
        self.unit = unit
        self.errors: list[RowError] = []
        self.sections: list[_Section] = [_Section(None)]
        self.category: str | None = None
        self.block: Block | None = None
        self.key: AnswerKey | None = None

    def table(self) -> RawTable:
        for index, (number, text) in enumerate(self.lines):
            if self.key is not None:
                self.key.feed(number, text)
            else:
                self._line(index, number, text)
        blocks = [block for section in self.sections for block in section.blocks]
        if self.key is not None:
            self._apply_key(self.key, blocks)
        rows = [self._row(block) for block in blocks]
        return RawTable(rows=rows, errors=self.errors)

    # --- one line -----------------------------------------------------------------------

    def _line(self, index: int, number: int, text: str) -> None:
        title = key_start(text)
        if title is not None and self._opens_key(index, title):
            self.key = AnswerKey()
            if title.rest:
                self.key.feed(number, title.rest)
            return
        if (found := heading(text)) is not None:
            self._heading(found)
        elif (labels := leading_labels(text)) is not None:
            self._labels(number, labels)
        elif (line := question(text)) is not None and self._opens_question(line):
            self._question(number, line)
        elif (letter := starts_with_option(text)) is not None and self._takes_options():
            self._options(number, text, letter)
        elif self.block is not None:
            self._text(number, text)
        # Text before the first question (a title, instructions) is not a question.

    def _opens_key(self, index: int, title: KeyTitle) -> bool:
        """ "参考答案：1.B" or "答案：1.B 2.C" open the key; "答案：3、5" answers one
        question. A title alone opens it only if key lines follow."""
        if title.rest:
            return _entries(title.rest) >= (1 if title.key_only else 2)
        if index + 1 >= len(self.lines):
            return False
        following = self.lines[index + 1][1]
        return is_entry_line(following) or heading(following) is not None

    def _heading(self, found: Heading) -> None:
        self.block = None
        if found.category is not None:  # "（一）质量月历史": a category, type unchanged
            self.category = found.category
            # Its questions may number from 1 again: a new run, under the same type.
            self.sections.append(_Section(self.sections[-1].heading))
            return
        self.category = None
        self.sections.append(_Section(found))

    def _opens_question(self, line: QuestionLine) -> bool:
        """The next number in the section's numbering style.

        Stems and explanations quote "(1)…", "1、…" or "3、5、7…": a number that does not
        count up is text, and so is one that skips ahead inside an explanation.
        """
        section = self.sections[-1]
        if section.style is not None and line.style != section.style:
            return False
        previous = section.blocks[-1] if section.blocks else None
        if previous is None or line.number == previous.number + 1:
            return True
        in_explanation = self.block is not None and self.block.last == "explanation"
        return line.number > previous.number and not in_explanation

    def _question(self, number: int, line: QuestionLine) -> None:
        section = self.sections[-1]
        section.style = section.style or line.style
        block = Block(line.number, number, section.heading, self.category, line.type)
        section.blocks.append(block)
        self.block = block
        text, labels = trailing_labels(line.rest)
        split = split_options(text)
        if len(split.options) >= 2:  # "1. 题干（ ）A.甲 B.乙": the options share the line
            block.add("stem", split.before, number)
            self._add_options(number, split.options)
        else:
            block.add("stem", text, number)
        self._labels(number, labels)

    def _takes_options(self) -> bool:
        # Inside an explanation "A. …" is discussion of an option, not a new one.
        return self.block is None or self.block.last != "explanation"

    def _options(self, number: int, text: str, letter: str) -> None:
        if self.block is None:
            self._error(number, f"option_{letter}", "option_outside_question", letter=letter)
            return
        text, labels = trailing_labels(text)
        self._add_options(number, split_options(text, letter).options)
        self._labels(number, labels)

    def _add_options(self, number: int, options: list[tuple[str, str]]) -> None:
        assert self.block is not None
        for letter, text in options:
            name = f"option_{letter}"
            if name in self.block.parts:
                self._error(number, name, "repeated_option", letter=letter)
                continue
            self.block.add(name, text, number)

    def _labels(self, number: int, labels: list[tuple[str, str]]) -> None:
        for name, value in labels:
            if self.block is None:
                self._error(number, name, "label_outside_question", column=_column(name))
            elif name in self.block.parts and self.block.parts[name] and name not in _REPEATABLE:
                self._error(number, name, "repeated_field", column=_column(name))
            else:
                self.block.add(name, value, number)

    def _text(self, number: int, text: str) -> None:
        assert self.block is not None
        last = self.block.last
        grows = last in ("stem", "explanation") or last.startswith("option_")
        # "答案：" then "B" on the next line fills it; after 答案：B, running text explains.
        target = last if grows or not self.block.parts.get(last) else "explanation"
        self.block.add(target, text, number)

    # --- the key and the rows -------------------------------------------------------------

    def _apply_key(self, key: AnswerKey, blocks: list[Block]) -> None:
        for problem in key.problems:
            self._error(problem.line, "answer", problem.code, **problem.params)
        keyed: set[int] = set()
        for entry in key.entries:
            scope = self._scope(entry.heading, blocks)
            target = next(
                (b for b in scope if b.number == entry.number and id(b) not in keyed), None
            )
            if target is None:
                self._error(entry.line, "answer", "key_unknown_question", number=entry.number)
                continue
            keyed.add(id(target))
            given = target.text("answer")
            if given and not same_answer(given, entry.answer):
                target.rejected = True
                self._error(
                    entry.line,
                    "answer",
                    "key_conflict",
                    number=entry.number,
                    key=entry.answer,
                    answer=given,
                )
                continue
            if not given:
                target.add("answer", entry.answer, entry.line)
            if entry.explanation and not target.text("explanation"):
                target.add("explanation", "\n".join(entry.explanation), entry.line)

    def _scope(self, key_heading: Heading | None, blocks: list[Block]) -> list[Block]:
        """The questions a key section speaks of: same title, type or numeral, else all."""
        if key_heading is None:
            return blocks
        for same in (
            lambda h: bool(key_heading.title) and h.title == key_heading.title,
            lambda h: bool(key_heading.type) and h.type == key_heading.type,
            lambda h: key_heading.ordinal is not None and h.ordinal == key_heading.ordinal,
        ):
            chosen = [b for b in blocks if b.section is not None and same(b.section)]
            if chosen:
                return chosen
        return blocks

    def _row(self, block: Block) -> RawRow:
        values, lines = finish(block)
        return RawRow(self.label, block.line, values, {}, lines, self.unit, block.rejected)

    def _error(self, line: int, name: str, code: str, **params: object) -> None:
        if self.key is None and self.block is not None:
            self.block.rejected = True
        self.errors.append(RowError(self.label, line, _column(name), code, params, self.unit))


def _entries(text: str) -> int:
    """How many key entries the text holds (a bad range counts: it is a key's problem)."""
    try:
        entries = parse_entries(text)
    except ValueError:
        return 2
    return len(entries) if entries is not None else 0


def _column(name: str) -> str:
    return CANONICAL_HEADERS.get(name, name)


def read_numbered(lines: Sequence[tuple[int, str]], *, label: str, unit: str) -> RawTable:
    """Raw rows from ``(line or paragraph number, text)`` pairs, one line of text each."""
    table = NumberedReader(lines, label=label, unit=unit).table()
    if not table.rows and not table.errors:
        table.errors.append(RowError(label, 0, "", "no_numbered_questions", {}))
    return table
