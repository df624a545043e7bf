"""The numbers Word draws for automatic lists (题号 typed by Word, not by the organiser).

A question numbered by Word's list button has no "1." in its text: the number is a
numbering definition (w:numPr → w:num → w:abstractNum/w:lvl) that Word renders. We
render it the same way — counters per list and level, a level's format (1, A, 一, ①)
and its text pattern ("%1." "（%1）") — so such a document reads like a typed one.
Overrides and legal numbering are rare in banks and not modelled.
"""

from __future__ import annotations

from typing import Any

from docx.oxml.ns import qn

_CN = "一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _chinese(n: int) -> str:
    if n < 10:
        return _CN[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens - 1]) + "十" + (_CN[ones - 1] if ones else "")


def _letters(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _format(n: int, fmt: str) -> str:
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "ideographTraditional",
        "japaneseCounting",
        "taiwaneseCounting",
    ):
        return _chinese(n)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return _CIRCLED[n - 1] if n <= len(_CIRCLED) else str(n)
    if fmt == "bullet" or fmt == "none":
        return ""
    return str(n)  # decimal and the formats we do not draw


class ListNumbers:
    """Renders the label of each numbered paragraph, in document order."""

    def __init__(self, document: Any) -> None:
        self._levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self._counters: dict[str, list[int]] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return  # a document without any list
        abstract = {a.get(qn("w:abstractNumId")): a for a in numbering.findall(qn("w:abstractNum"))}
        for num in numbering.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            definition = abstract.get(ref.get(qn("w:val"))) if ref is not None else None
            if definition is not None:
                self._levels[num.get(qn("w:numId"))] = _levels(definition)

    def label(self, paragraph: Any) -> str:
        """ "3." for the third item of a decimal list; "" for an unnumbered paragraph."""
        num_id, level = _num_pr(paragraph)
        levels = self._levels.get(num_id or "")
        if not levels or level not in levels:
            return ""
        counters = self._counters.setdefault(num_id or "", [0] * 9)
        start = levels[level][2]
        counters[level] = counters[level] + 1 if counters[level] else start
        for deeper in range(level + 1, 9):
            counters[deeper] = 0
        text = levels[level][1]
        for shown in range(level + 1):
            fmt, _, first = levels.get(shown, ("decimal", "", 1))
            text = text.replace(f"%{shown + 1}", _format(counters[shown] or first, fmt))
        return text


def _levels(definition: Any) -> dict[int, tuple[str, str, int]]:
    levels = {}
    for lvl in definition.findall(qn("w:lvl")):
        fmt = _val(lvl, "w:numFmt") or "decimal"
        start = _val(lvl, "w:start")
        levels[int(lvl.get(qn("w:ilvl")) or 0)] = (
            fmt,
            _val(lvl, "w:lvlText") or "",
            int(start) if start else 1,
        )
    return levels


def _val(element: Any, tag: str) -> str | None:
    child = element.find(qn(tag))
    return None if child is None else child.get(qn("w:val"))


def _num_pr(paragraph: Any) -> tuple[str | None, int]:
    """The paragraph's list and level: its own w:numPr, else its style's."""
    for holder in (paragraph._p.pPr, _style_ppr(paragraph)):
        num_pr = holder.find(qn("w:numPr")) if holder is not None else None
        if num_pr is not None:
            num_id = _val(num_pr, "w:numId")
            level = _val(num_pr, "w:ilvl")
            return (None if num_id in (None, "0") else num_id), int(level or 0)
    return None, 0


def _style_ppr(paragraph: Any) -> Any:
    style = paragraph.style
    return style.element.pPr if style is not None else None
