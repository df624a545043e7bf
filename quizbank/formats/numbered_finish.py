"""One numbered question as read (``Block``) turned into the cells a spreadsheet row has.

Here the conventions of typed banks become explicit fields: an answer written into
the stem's brackets (起源于（C）。), a ✓/× after a true/false statement, the points in
"（2分）", the type from the section or — with no heading — from what the question
looks like. Nothing is validated here; the cells go through the same rules as Excel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from quizbank.formats.answer_key import same_answer
from quizbank.formats.numbered_lines import Heading
from quizbank.formats.values import (
    TYPE_LABELS,
    BadValue,
    count_stem_blanks,
    nfkc,
    parse_true_false,
)
from quizbank.models import OPTION_LETTERS, QuestionType

SINGLE, MULTIPLE = TYPE_LABELS[QuestionType.SINGLE], TYPE_LABELS[QuestionType.MULTIPLE]
TRUE_FALSE, BLANK = TYPE_LABELS[QuestionType.TRUE_FALSE], TYPE_LABELS[QuestionType.BLANK]

_LETTERS_IN_BRACKETS = re.compile(
    r"(?P<open>[（(])\s*(?P<letters>[A-HＡ-Ｈ](?:\s*[,，、]?\s*[A-HＡ-Ｈ])*)\s*(?P<close>[)）])"
)
_TF = r"√|✓|✔|×|✗|✘|对|错|正确|错误"
_TF_AT_END = re.compile(
    rf"\s*(?:[（(]\s*(?P<b>{_TF}|[Xx])\s*[)）]|(?P<bare>[√✓✔×✗✘]))\s*(?P<stop>[。.]?)\s*$"
)
_FILL = re.compile(r"(?P<open>[（(])(?P<text>[^（）()]*\S[^（）()]*)(?P<close>[)）])")
_POINTS = re.compile(r"\s*[（(]\s*(?:本题)?\s*(?P<points>\d+(?:\.\d+)?)\s*分\s*[)）]")
_BLANK_PARTS = re.compile(r"[、，,\s]+")
_EMPTY = "  "  # what stays between the brackets once the answer is taken out


@dataclass(slots=True)
class Block:
    """One question as read: text pieces per field and the line each field began on."""

    number: int
    line: int
    section: Heading | None
    category: str | None
    tag_type: str | None
    parts: dict[str, list[str]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    last: str = "stem"
    rejected: bool = False  # a problem was reported inside it: it is not imported

    def add(self, name: str, text: str, line: int) -> None:
        self.parts.setdefault(name, [])
        if text:
            self.parts[name].append(text)
        self.lines.setdefault(name, line)
        self.last = name

    def text(self, name: str) -> str:
        pieces = self.parts.get(name, [])
        if name in ("stem", "explanation"):
            return "\n".join(pieces)  # a stem's own lines (①… ②…) stay lines
        return _join_wrapped(pieces)


def _join_wrapped(pieces: list[str]) -> str:
    """An option or value wrapped over lines: CJK joins directly, Latin with a space."""
    out = ""
    for piece in pieces:
        latin = out[-1:].isascii() and out[-1:].isalnum() and piece[:1].isascii()
        out += (" " if latin else "") + piece
    return out


def finish(block: Block) -> tuple[dict[str, str], dict[str, int]]:
    """The cells (field → text) and where each was read (field → line)."""
    lines = dict(block.lines)
    lines.setdefault("stem", block.line)
    options = {
        f"option_{k}": block.text(f"option_{k}")
        for k in OPTION_LETTERS
        if f"option_{k}" in block.parts
    }
    kind = block.tag_type or block.text("type") or (block.section.type if block.section else None)
    stem, points = _take_points(block.text("stem"))
    stem, answer = _answer_in_stem(kind, stem, block.text("answer"), bool(options))
    if answer and "answer" not in lines:
        lines["answer"] = lines["stem"]
    kind = kind or _infer(kind, answer, options)
    if kind == BLANK:
        answer = _blank_separators(stem, answer)
    if kind == TRUE_FALSE and options:
        answer, options = _true_false_options(answer, options)
    section_points = block.section.points if block.section else None
    values = {
        "type": kind,
        "stem": stem,
        **options,
        "answer": answer,
        "alternatives": block.text("alternatives"),
        "explanation": block.text("explanation"),
        "points": block.text("points") or points or section_points or "",
        "difficulty": block.text("difficulty"),
        "category": block.text("category") or block.category or "",
        "tags": block.text("tags"),
        "source": block.text("source"),
    }
    lines.setdefault("type", block.line)
    return values, lines


def _take_points(stem: str) -> tuple[str, str]:
    """ "…（2分）" → the stem without it, and "2"."""
    match = _POINTS.search(stem)
    if match is None:
        return stem, ""
    return (stem[: match.start()] + stem[match.end() :]).strip(), match.group("points")


def _answer_in_stem(kind: str | None, stem: str, answer: str, has_options: bool) -> tuple[str, str]:
    """Take an answer written into the stem out of it (leaving the blank brackets)."""
    if has_options and kind in (None, "", SINGLE, MULTIPLE):
        return _letters_in_brackets(stem, answer)
    if not has_options and kind in (None, TRUE_FALSE):
        return _true_false_mark(stem, answer)
    if kind == BLANK and not answer:
        return _fills_in_brackets(stem)
    return stem, answer


def _letters_in_brackets(stem: str, answer: str) -> tuple[str, str]:
    found = list(_LETTERS_IN_BRACKETS.finditer(stem))
    if not found:
        return stem, answer
    match = found[-1]  # the answer bracket closes the sentence; "（A）" earlier is text
    letters = re.sub(r"[\s,，、]", "", nfkc(match.group("letters")))
    if answer and not same_answer(answer, letters):
        return stem, answer
    blank = match.group("open") + _EMPTY + match.group("close")
    return stem[: match.start()] + blank + stem[match.end() :], answer or letters


def _true_false_mark(stem: str, answer: str) -> tuple[str, str]:
    match = _TF_AT_END.search(stem)
    if match is None or not stem[: match.start()].strip():
        return stem, answer
    mark = match.group("b") or match.group("bare")
    if answer and not _same_true_false(answer, mark):
        return stem, answer
    return stem[: match.start()] + match.group("stop"), answer or mark


def _same_true_false(first: str, second: str) -> bool:
    try:
        return parse_true_false(first) == parse_true_false(second)
    except BadValue:
        return False


def _fills_in_brackets(stem: str) -> tuple[str, str]:
    """ "始于（1978）年" → "始于（  ）年" and "1978": a 填空题 written as its own key."""
    fills = [m.group("text").strip() for m in _FILL.finditer(stem)]
    if not fills:
        return stem, ""
    blanked = _FILL.sub(lambda m: m.group("open") + _EMPTY + m.group("close"), stem)
    return blanked, ";".join(fills)


def _infer(kind: str | None, answer: str, options: dict[str, str]) -> str:
    """No heading and no tag: options make a choice question (several letters: 多选),
    a ✓/× answer a true/false one, anything else a blank."""
    letters = re.sub(r"[\s,，、;；/]", "", nfkc(answer))
    if options or kind == "":
        return MULTIPLE if len(letters) > 1 else SINGLE
    try:
        parse_true_false(answer)
        return TRUE_FALSE
    except BadValue:
        return BLANK


def _blank_separators(stem: str, answer: str) -> str:
    """ "计划、执行、检查" for a stem with three blanks means three answers."""
    blanks = count_stem_blanks(stem)
    if blanks < 2 or re.search(r"[;；|｜]", answer):
        return answer
    parts = [p for p in _BLANK_PARTS.split(answer.strip()) if p]
    return ";".join(parts) if len(parts) == blanks else answer


def _true_false_options(answer: str, options: dict[str, str]) -> tuple[str, dict[str, str]]:
    """判断题 written as "A.正确 B.错误 答案：A": the answer is the option's word."""
    letter = nfkc(answer).upper()
    if len(options) != 2 or f"option_{letter}" not in options:
        return answer, options
    try:
        meanings = {parse_true_false(text) for text in options.values()}
    except BadValue:
        return answer, options
    if meanings != {True, False}:
        return answer, options
    return options[f"option_{letter}"], {}
