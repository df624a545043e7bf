"""People's and teams' names as typed or uploaded, made safe to compare and to show."""

from __future__ import annotations

import unicodedata

# Format (Cf: zero-width, bidi overrides), private-use and unassigned code points vanish;
# controls and line breaks (Cc, Zl, Zp) become spaces. Nothing a real name needs, and each
# can make two names look alike.
_DROPPED = frozenset({"Cf", "Co", "Cs", "Cn"})
_SPACED = frozenset({"Cc", "Zl", "Zp"})


def visible_text(text: str) -> str:
    """``text`` in NFKC without invisible characters, whitespace collapsed to single spaces."""
    kept = []
    for ch in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(ch)
        if category not in _DROPPED:
            kept.append(" " if category in _SPACED else ch)
    return " ".join("".join(kept).split())


# --- natural order of team names (甲乙丙丁…, 一二三… 车间, 2 before 10) ----------------------

_STEMS = "甲乙丙丁戊己庚辛壬癸"
_CN_DIGITS = {ch: n for n, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# Roman numeral code points (Ⅱ线); NFKC would spell them as letters ("II"), so they are read
# as numbers before it runs.
_ROMAN_CHARS = ("ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ", "ⅰⅱⅲⅳⅴⅵⅶⅷⅸⅹⅺⅻ")
_ROMAN = str.maketrans(
    {ch: str(n) for chars in _ROMAN_CHARS for n, ch in enumerate(chars, start=1)}
)
NameKey = tuple[tuple[int, int | str], ...]


def natural_key(name: str) -> NameKey:
    """How people order team names: numbers by value whether written 2, 二 or Ⅱ, the
    heavenly stems as counted (甲班 before 乙班), other text as written (case and width
    folded). Each part is (kind, value) so a number never compares with text."""
    text = unicodedata.normalize("NFKC", name.translate(_ROMAN)).casefold()
    parts: list[tuple[int, int | str]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit():
            j = i
            while j < len(text) and text[j].isdigit():
                j += 1
            parts.append((0, int(text[i:j])))
            i = j
        elif ch in _CN_DIGITS or ch in _CN_UNITS:
            j = i
            while j < len(text) and (text[j] in _CN_DIGITS or text[j] in _CN_UNITS):
                j += 1
            parts.append((0, _chinese_number(text[i:j])))
            i = j
        elif ch in _STEMS:
            parts.append((0, _STEMS.index(ch) + 1))
            i += 1
        else:
            j = i
            while j < len(text) and not _starts_number(text[j]):
                j += 1
            parts.append((1, text[i:j]))
            i = j
    return tuple(parts)


def path_key(path: tuple[str, ...] | list[str]) -> tuple[NameKey, ...]:
    """``natural_key`` of every name of a team's path (parents first)."""
    return tuple(natural_key(name) for name in path)


def _starts_number(ch: str) -> bool:
    return ch.isdigit() or ch in _CN_DIGITS or ch in _CN_UNITS or ch in _STEMS


def _chinese_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105; a run of digits (一〇一) reads digit by
    digit."""
    if not any(ch in _CN_UNITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, digit = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (digit or 1) * _CN_UNITS[ch]
            digit = 0
    return total + digit
