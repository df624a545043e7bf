"""Callback-data factories: compact (≤ 64 bytes), typed, never carrying an answer key.

Quiz buttons carry the attempt id, the question's position and the *displayed* option index;
the handler checks that the attempt belongs to whoever pressed, so a forged button for
another worker's attempt is refused, and a button from an earlier question is simply closed.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class AnswerCb(CallbackData, prefix="a"):
    """Single choice (o = displayed option) or true/false (o = 1 true, 0 false)."""

    a: int
    p: int
    o: int


class ToggleCb(CallbackData, prefix="t"):
    """Multiple choice: select or unselect displayed option ``o``."""

    a: int
    p: int
    o: int


class SubmitCb(CallbackData, prefix="s"):
    """Multiple choice: submit the toggled options (提交)."""

    a: int
    p: int


class NextCb(CallbackData, prefix="n"):
    """Show the attempt's current question (after reading an answer, or to resume)."""

    a: int


class StartCb(CallbackData, prefix="c"):
    """Start or resume competition ``c``."""

    c: int


class MenuCb(CallbackData, prefix="m"):
    """A menu entry: practice, quiz, rank, results, help, menu."""

    act: str


class RegCb(CallbackData, prefix="g"):
    """Registration choices: skip the employee number, confirm or reject a roster match."""

    act: str


class TeamCb(CallbackData, prefix="j"):
    """Join team ``t`` during registration (0 = skip)."""

    t: int


class LangCb(CallbackData, prefix="l"):
    lang: str


class PracticeBoardCb(CallbackData, prefix="pb"):
    """A 每日一练 board: ``period`` is day, week or overall."""

    period: str


class TeamMembersCb(CallbackData, prefix="tm"):
    """队内排名 of competition ``c`` for the pressing worker's own team."""

    c: int
