"""Drawing shared by the bot's pictures (leaderboard, certificates): fitted text, shapes, PNG.

A picture is built in two steps. A *layout* function turns the data into a ``Layout``: plain
shapes and texts with their sizes and measured widths, so tests check what goes where (and
that every text fits its box) without reading pixels. ``paint`` turns a layout into PNG bytes.

Fonts come from ``scheduler.fonts``; Pillow (a matplotlib dependency) measures and paints.
"""

from __future__ import annotations

import io
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, TypeVar

from PIL import Image, ImageDraw

from contest.scoring import format_score
from i18n import t
from scheduler.fonts import SCALE, CJKFontMissing, cjk_font_path, fonts, has_glyphs, stroke

__all__ = [  # the fonts' names too, so the pictures import from one place
    "ELLIPSIS",
    "Align",
    "CJKFontMissing",
    "Ellipse",
    "Layout",
    "Rect",
    "Shape",
    "Text",
    "cjk_font_path",
    "draw",
    "fit",
    "fonts",
    "format_score",
    "has_glyphs",
    "long_date",
    "paint",
    "truncate",
    "wrap",
    "wrap_lines",
]

ELLIPSIS = "…"
# Line breaks may not put these at the start of a line (避头) …
NO_LINE_START = set("，。、；：？！）》」』】〉,.;:?!)]}%’”…·")
# … or these at its end (避尾).
NO_LINE_END = set("（《「『【〈([{‘“")

Align = Literal["left", "centre", "right"]
T = TypeVar("T")
_ONE_AT_A_TIME = threading.Lock()


# --- layouts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """One line of text; ``y`` is the vertical middle of the line, ``x`` where ``align`` says."""

    x: float
    y: float
    text: str
    size: int
    color: str
    align: Align = "left"
    bold: bool = False
    role: str = ""  # what the text is ("name", "rank", "score"…), for tests and readers
    width: float = 0.0  # measured
    max_width: float | None = None  # the box it had to fit

    @property
    def left(self) -> float:
        return {"left": self.x, "centre": self.x - self.width / 2, "right": self.x - self.width}[
            self.align
        ]

    @property
    def right(self) -> float:
        return self.left + self.width


@dataclass(frozen=True)
class Rect:
    box: tuple[float, float, float, float]
    fill: str | None
    radius: float = 0
    outline: str | None = None
    line: float = 0
    role: str = ""


@dataclass(frozen=True)
class Ellipse:
    box: tuple[float, float, float, float]
    fill: str | None
    outline: str | None = None
    line: float = 0
    role: str = ""


Shape = Text | Rect | Ellipse


@dataclass
class Layout:
    """A picture before painting: size, background and shapes in drawing order."""

    width: int
    height: int
    background: str
    shapes: list[Shape] = field(default_factory=list)

    def add(self, *shapes: Shape) -> None:
        self.shapes.extend(shapes)

    def texts(self, role: str | None = None) -> list[Text]:
        return [s for s in self.shapes if isinstance(s, Text) and role in (None, s.role)]

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: int,
        color: str,
        *,
        align: Align = "left",
        bold: bool = False,
        role: str = "",
        max_width: float | None = None,
    ) -> Text:
        """Add one line as it is (fit it first with ``fit`` or ``wrap``)."""
        item = Text(
            x,
            y,
            text,
            size,
            color,
            align,
            bold,
            role,
            fonts().width(text, size, bold=bold),
            max_width,
        )
        self.add(item)
        return item


def fit(
    text: str, max_width: float, size: int, min_size: int, *, bold: bool = False
) -> tuple[str, int]:
    """The largest size from ``size`` down to ``min_size`` at which ``text`` fits
    ``max_width``; at ``min_size`` the end is cut off with an ellipsis."""
    f = fonts()
    for s in range(size, min_size - 1, -1):
        if f.width(text, s, bold=bold) <= max_width:
            return text, s
    return truncate(text, max_width, min_size, bold=bold), min_size


def truncate(text: str, max_width: float, size: int, *, bold: bool = False) -> str:
    """``text``, or as much of it as fits with an ellipsis (nothing when not even that fits)."""
    f = fonts()
    if f.width(text, size, bold=bold) <= max_width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        mid = (low + high + 1) // 2
        if f.width(text[:mid].rstrip() + ELLIPSIS, size, bold=bold) <= max_width:
            low = mid
        else:
            high = mid - 1
    if low == 0 and f.width(ELLIPSIS, size, bold=bold) > max_width:
        return ""
    return text[:low].rstrip() + ELLIPSIS


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _tokens(text: str) -> list[str]:
    """Break units: a Latin word (or hyphenated part) with its trailing spaces, or one CJK
    character; closing
    punctuation stays with the unit before it, opening punctuation with the unit after."""
    units: list[str] = []
    for ch in text:
        last = units[-1][-1] if units else ""
        joins = bool(last) and (
            ch.isspace()
            or ch in NO_LINE_START
            or last in NO_LINE_END
            or not (_wide(ch) or _wide(last) or last.isspace() or last == "-")
        )
        if joins:
            units[-1] += ch
        else:
            units.append(ch)
    return units


def wrap_lines(
    text: str, max_width: float, size: int, *, bold: bool = False, at_spaces: bool = False
) -> list[str]:
    """Greedy line breaking at ``size``: between CJK characters and at spaces, and a word
    longer than a line is broken where it must; ``at_spaces`` breaks at spaces only and
    leaves a word wider than a line whole (the caller checks the widths)."""
    f = fonts()
    text = " ".join(text.split())
    lines: list[str] = []
    line = ""
    for unit in re.findall(r"\S+\s*", text) if at_spaces else _tokens(text):
        candidate = line + unit
        if not line or f.width(candidate.rstrip(), size, bold=bold) <= max_width:
            line = candidate
        else:
            lines.append(line.rstrip())
            line = unit
        while (
            not at_spaces and len(line) > 1 and f.width(line.rstrip(), size, bold=bold) > max_width
        ):
            cut = len(line) - 1
            while cut > 1 and f.width(line[:cut], size, bold=bold) > max_width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _balanced(
    text: str, lines: list[str], max_width: float, size: int, *, bold: bool, at_spaces: bool
) -> list[str]:
    """The same number of lines, as even as they go: the narrowest width that still needs no
    more lines (a title of two lines reads better as two halves than as a full line and a
    word)."""
    if len(lines) < 2:
        return lines
    widest = max(fonts().width(line, size, bold=bold) for line in lines)
    low, high = widest / len(lines), widest
    while high - low > 2:
        mid = (low + high) / 2
        trial = wrap_lines(text, mid, size, bold=bold, at_spaces=at_spaces)
        if len(trial) <= len(lines) and _fits(trial, mid, size, bold=bold):
            high = mid
        else:
            low = mid
    return wrap_lines(text, high, size, bold=bold, at_spaces=at_spaces)


def _fits(lines: list[str], max_width: float, size: int, *, bold: bool) -> bool:
    return all(fonts().width(line, size, bold=bold) <= max_width for line in lines)


def wrap(
    text: str, max_width: float, size: int, min_size: int, *, max_lines: int, bold: bool = False
) -> tuple[list[str], int]:
    """The largest size at which ``text`` takes at most ``max_lines`` lines of ``max_width``,
    breaking at spaces where that does (a name, 质量管理部 安全环保部) and between any
    characters where it must; at ``min_size`` the last line is cut with an ellipsis."""
    for s in range(size, min_size - 1, -1):
        for at_spaces in (True, False):
            lines = wrap_lines(text, max_width, s, bold=bold, at_spaces=at_spaces)
            if len(lines) <= max_lines and _fits(lines, max_width, s, bold=bold):
                return _balanced(text, lines, max_width, s, bold=bold, at_spaces=at_spaces), s
    lines = wrap_lines(text, max_width, min_size, bold=bold)
    rest = " ".join(lines[max_lines - 1 :]) if _latin(text) else "".join(lines[max_lines - 1 :])
    return [*lines[: max_lines - 1], truncate(rest, max_width, min_size, bold=bold)], min_size


def _latin(text: str) -> bool:
    return not any(_wide(ch) for ch in text)


# --- painting ------------------------------------------------------------------------------


def draw(build: Callable[[T], Layout], data: T) -> bytes:
    """``paint(build(data))``, one picture at a time: the fonts (FreeType faces, shared and
    cached) are not safe to use from two worker threads at once."""
    with _ONE_AT_A_TIME:
        return paint(build(data))


def paint(layout: Layout) -> bytes:
    """The layout as PNG bytes (blocking; run it in a worker thread)."""
    k = SCALE
    image = Image.new("RGB", (layout.width * k, layout.height * k), layout.background)
    draw = ImageDraw.Draw(image)
    for shape in layout.shapes:
        if isinstance(shape, Rect):
            draw.rounded_rectangle(
                _scaled(shape.box),
                radius=shape.radius * k,
                fill=shape.fill,
                outline=shape.outline,
                width=round(shape.line * k),
            )
        elif isinstance(shape, Ellipse):
            draw.ellipse(
                _scaled(shape.box),
                fill=shape.fill,
                outline=shape.outline,
                width=round(shape.line * k),
            )
        else:
            _draw_text(draw, shape)
    image = image.resize((layout.width, layout.height), Image.Resampling.LANCZOS)
    # A few flat colours and anti-aliased edges: a 256-colour palette looks the same and
    # makes the file a third of the size.
    image = image.quantize(256, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _scaled(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    return x0 * SCALE, y0 * SCALE, x1 * SCALE, y1 * SCALE


def _draw_text(draw: ImageDraw.ImageDraw, item: Text) -> None:
    f = fonts()
    k = SCALE
    size = item.size * k
    ascent, descent = f.metrics(size)
    baseline = item.y * k + (ascent - descent) / 2
    width = round(stroke(item.size, item.bold) * k)
    x = item.left * k + width
    for which, piece in f.runs(item.text):
        font = f.font(which, size)
        draw.text(
            (x, baseline),
            piece,
            font=font,
            fill=item.color,
            anchor="ls",
            stroke_width=width,
            stroke_fill=item.color,
        )
        x += font.getlength(piece)


# --- numbers and dates ---------------------------------------------------------------------


def long_date(day: date | datetime, lang: str, *, with_time: bool = False) -> str:
    """2026年9月2日 (18:00) / 2 September 2026 (, 18:00): a datetime as it is (already in
    the competition's zone)."""
    month = t("scheduler.picture.months", lang).split(",")[day.month - 1]
    text = t("scheduler.picture.date", lang, year=day.year, month=month, day=day.day)
    if with_time and isinstance(day, datetime):
        text = t("scheduler.picture.date_time", lang, date=text, time=day.strftime("%H:%M"))
    return text
