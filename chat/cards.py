"""What the messenger edges show: a card (title, text, rows of buttons) in no platform's
format, and the actions its buttons carry.

Each platform renders a :class:`Card` into its own card JSON (:mod:`chat.dingtalk.render`,
:mod:`chat.feishu.render`); a tapped button comes back with its action token, parsed here
once (:func:`parse_action`), checked at parse time like Telegram's callback data. A multiple
choice toggle carries the ticked set it leads to and 提交 the set shown, so what the worker
sees is what is submitted however fast they tap (the card keeps no state of its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

MAX_OPTIONS = 10
MENU_WORDS = ("menu", "quiz", "practice", "continue", "me", "mistakes", "zh", "en")

ActionKind = Literal["menu", "start", "answer", "toggle", "submit", "next", "team", "review"]


@dataclass(frozen=True)
class Action:
    """A button's meaning. ``menu``: ``word`` in :data:`MENU_WORDS`; ``start``: competition
    ``ref``; ``answer``/``toggle``/``submit``: attempt ``ref``, ``position``, ``value`` (the
    option, or the ticked mask); ``next``/``review``: attempt ``ref``; ``team``: team ``ref``."""

    kind: ActionKind
    word: str = ""
    ref: int = 0
    position: int = 0
    value: int = 0

    @property
    def token(self) -> str:
        if self.kind == "menu":
            return f"m.{self.word}"
        head = _HEAD[self.kind]
        if _ARITY[self.kind] == 1:
            return f"{head}.{self.ref}"
        return f"{head}.{self.ref}.{self.position}.{self.value}"


_SHORT: dict[str, ActionKind] = {
    "s": "start",
    "n": "next",
    "t": "team",
    "r": "review",
    "a": "answer",
    "x": "toggle",
    "u": "submit",
}
_HEAD = {kind: head for head, kind in _SHORT.items()}
_ARITY = {"start": 1, "next": 1, "team": 1, "review": 1, "answer": 3, "toggle": 3, "submit": 3}


def parse_action(token: str) -> Action | None:
    """The action a button token names, or None for anything malformed or out of range."""
    head, _, rest = token.strip().partition(".")
    if head == "m":
        return Action("menu", word=rest) if rest in MENU_WORDS else None
    kind = _SHORT.get(head)
    parts = rest.split(".")
    if kind is None or len(parts) != _ARITY[kind] or not all(p.isdigit() for p in parts):
        return None
    numbers = [int(p) for p in parts]
    if any(n >= 2**31 for n in numbers):
        return None
    if len(numbers) == 1:
        return Action(kind, ref=numbers[0])
    ref, position, value = numbers
    if value >= (MAX_OPTIONS if kind == "answer" else 2**MAX_OPTIONS):
        return None
    return Action(kind, ref=ref, position=position, value=value)


def menu(word: str) -> Action:
    return Action("menu", word=word)


def answer(attempt_id: int, position: int, option: int) -> Action:
    return Action("answer", ref=attempt_id, position=position, value=option)


def toggle(attempt_id: int, position: int, mask: int) -> Action:
    return Action("toggle", ref=attempt_id, position=position, value=mask)


def submit(attempt_id: int, position: int, mask: int) -> Action:
    return Action("submit", ref=attempt_id, position=position, value=mask)


@dataclass(frozen=True)
class Button:
    label: str
    action: Action
    primary: bool = False


@dataclass(frozen=True)
class Card:
    """One screen: a title, Markdown-light text (``**bold**`` and new lines only), buttons."""

    title: str
    text: str
    rows: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)

    @property
    def buttons(self) -> list[Button]:
        return [button for row in self.rows for button in row]


def rows_of(buttons: list[Button], width: int) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + width]) for i in range(0, len(buttons), width))
