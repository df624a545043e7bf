"""Callback-data factories: compact (≤ 64 bytes), typed, bounded, never carrying an answer key.

Quiz buttons carry the attempt id, the question's position and the *displayed* option index
(or, for multiple choice, the ticked set as a bit mask); the handler checks that the attempt
belongs to whoever pressed, so a forged button for another worker's attempt is refused, and a
button from an earlier question is simply closed. Every field is bounded at parse time: a
forged ``a:99999999999999999999999:0:0`` does not match any button and never reaches the
database.
"""

from __future__ import annotations

from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from quizbank.models import MAX_OPTIONS

RowId = Annotated[int, Field(ge=0, le=2**31 - 1)]
"""A database id: what INTEGER holds on SQLite and PostgreSQL alike."""
Position = Annotated[int, Field(ge=0, le=999)]
Option = Annotated[int, Field(ge=0, lt=MAX_OPTIONS)]
Mask = Annotated[int, Field(ge=0, lt=2**MAX_OPTIONS)]
Token = Annotated[str, Field(max_length=40)]
MenuAction = Literal["practice", "quiz", "rank", "results", "help", "menu"]


def mask_of(positions: tuple[int, ...] | list[int]) -> int:
    """The ticked displayed options as a bit mask (option 0 is bit 0)."""
    return sum(1 << p for p in set(positions))


def positions_of(mask: int) -> list[int]:
    return [p for p in range(MAX_OPTIONS) if mask >> p & 1]


class AnswerCb(CallbackData, prefix="a"):
    """Single choice (o = displayed option) or true/false (o = 1 true, 0 false)."""

    a: RowId
    p: Position
    o: Option


class ToggleCb(CallbackData, prefix="t"):
    """Multiple choice: the ticked set ``m`` after this tap (the keyboard carries it)."""

    a: RowId
    p: Position
    m: Mask


class SubmitCb(CallbackData, prefix="s"):
    """Multiple choice: submit the ticked set ``m`` (提交)."""

    a: RowId
    p: Position
    m: Mask


class NextCb(CallbackData, prefix="n"):
    """Show the attempt's current question (after reading an answer, or to resume)."""

    a: RowId


class StartCb(CallbackData, prefix="c"):
    """Start or resume competition ``c``."""

    c: RowId


class MenuCb(CallbackData, prefix="m"):
    """A menu entry: practice, quiz, rank, results, help, menu."""

    act: MenuAction


class RegCb(CallbackData, prefix="g"):
    """Registration choices: skip the employee number, confirm or reject a roster match."""

    act: Literal["skip", "yes", "no"]


class RosterPickCb(CallbackData, prefix="rp"):
    """Registration by name: the roster record ``w`` is me (two shared the name)."""

    w: RowId


class TeamCb(CallbackData, prefix="j"):
    """Join team ``t`` during registration (0 = skip)."""

    t: RowId


class LangCb(CallbackData, prefix="l"):
    lang: Literal["zh", "en"]


class PracticeBoardCb(CallbackData, prefix="pb"):
    """A 每日一练 board: ``period`` is day, week or overall."""

    period: Literal["day", "week", "overall"]


class TeamMembersCb(CallbackData, prefix="tm"):
    """队内排名 of competition ``c`` for the pressing worker's own team."""

    c: RowId
