"""Drawing shared by the bot's pictures (leaderboard, certificates): fonts, fitted text, PNG.

A picture is built in two steps. A *layout* function turns the data into a ``Layout``: plain
shapes and texts with their sizes and measured widths, so tests check what goes where (and
that every text fits its box) without reading pixels. ``paint`` turns a layout into PNG bytes.

Fonts: matplotlib's font manager finds a CJK font (WenQuanYi Micro Hei from Debian's
``fonts-wqy-microhei``, or a Noto/Source Han CJK font); without one we raise
``CJKFontMissing`` rather than draw tofu boxes. Characters the CJK font lacks (ÿ, Ω, ✓…) come
from matplotlib's bundled DejaVu Sans; a character neither font has (an emoji in a name) is
left out rather than drawn as a box. Pillow (a matplotlib dependency) measures and paints.
The font has no bold face, so bold is a thin outline in the text's own colour.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Literal

import matplotlib
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font
from PIL import Image, ImageDraw, ImageFont

from i18n import t

WQY_MICROHEI = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "SimHei",
    "Microsoft YaHei",
)
PROBE = "质量月"  # glyphs every usable font must have
SCALE = 2  # painted at twice the size and scaled down: smooth circles and rounded corners
ELLIPSIS = "…"
# Line breaks may not put these at the start of a line (避头) …
NO_LINE_START = set("，。、；：？！）》」』】〉,.;:?!)]}%’”…·")
# … or these at its end (避尾).
NO_LINE_END = set("（《「『【〈([{‘“")

Align = Literal["left", "centre", "right"]


class CJKFontMissing(RuntimeError):
    """No font with Chinese glyphs: install fonts-wqy-microhei (apt) or a Noto CJK font."""


def has_glyphs(path: str | Path, text: str = PROBE) -> bool:
    font = FT2Font(str(path))
    return all(font.get_char_index(ord(ch)) != 0 for ch in text)


@cache
def cjk_font_path() -> str:
    """A font file with Chinese glyphs; raises ``CJKFontMissing`` with what to install."""
    candidates: list[str] = [str(WQY_MICROHEI)] if WQY_MICROHEI.exists() else []
    for family in CJK_FAMILIES:
        try:
            candidates.append(findfont(FontProperties(family=family), fallback_to_default=False))
        except ValueError:
            continue
    for path in candidates:
        if Path(path).exists() and has_glyphs(path):
            return path
    raise CJKFontMissing(
        "no CJK font found for the pictures: install the Debian package "
        "fonts-wqy-microhei (or a Noto Sans CJK font) and restart"
    )


def fallback_font_path() -> str:
    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")


class Fonts:
    """The CJK font with a fallback for what it lacks, at any size, measuring and drawing."""

    def __init__(self, primary: str, fallback: str) -> None:
        self.paths = (primary, fallback)
        self.charmaps = (set(FT2Font(primary).get_charmap()), set(FT2Font(fallback).get_charmap()))

    def font(self, which: int, size: int) -> ImageFont.FreeTypeFont:
        return _font(self.paths[which], size)

    def runs(self, text: str) -> Iterator[tuple[int, str]]:
        """(font index, text) pieces; characters no font has are dropped."""
        current, piece = -1, ""
        for ch in text:
            if ch.isspace() or ord(ch) in self.charmaps[0]:
                which = 0
            elif ord(ch) in self.charmaps[1]:
                which = 1
            else:
                continue
            if which != current and piece:
                yield current, piece
                piece = ""
            current, piece = which, piece + ch
        if piece:
            yield current, piece

    def width(self, text: str, size: int, *, bold: bool = False) -> float:
        """The drawn width in pixels (at scale 1)."""
        if not text:
            return 0.0
        span = sum(self.font(which, size).getlength(piece) for which, piece in self.runs(text))
        return span + 2 * stroke(size, bold)

    def metrics(self, size: int) -> tuple[int, int]:
        """(ascent, descent) of the primary font."""
        return self.font(0, size).getmetrics()


@cache
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@cache
def fonts() -> Fonts:
    """The process's fonts (raises ``CJKFontMissing``)."""
    return Fonts(cjk_font_path(), fallback_font_path())


def stroke(size: int, bold: bool) -> float:
    """The outline that makes text bold, in px at scale 1 (a CJK glyph's strokes are thin
    and close together: more than this fills them in)."""
    return max(1, round(size * SCALE / 64)) / SCALE if bold else 0.0


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


def wrap_lines(text: str, max_width: float, size: int, *, bold: bool = False) -> list[str]:
    """Greedy line breaking at ``size``: between CJK characters and at spaces; a word longer
    than a line is broken where it must."""
    f = fonts()
    lines: list[str] = []
    line = ""
    for unit in _tokens(" ".join(text.split())):
        candidate = line + unit
        if not line or f.width(candidate.rstrip(), size, bold=bold) <= max_width:
            line = candidate
        else:
            lines.append(line.rstrip())
            line = unit
        while f.width(line.rstrip(), size, bold=bold) > max_width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and f.width(line[:cut], size, bold=bold) > max_width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _balanced(text: str, lines: list[str], max_width: float, size: int, *, bold: bool) -> list[str]:
    """The same number of lines, as even as they go: the narrowest width that still needs no
    more lines (a title of two lines reads better as two halves than as one full line and a
    word)."""
    if len(lines) < 2:
        return lines
    low, high = max_width / len(lines), max_width
    while high - low > 2:
        mid = (low + high) / 2
        if len(wrap_lines(text, mid, size, bold=bold)) <= len(lines):
            high = mid
        else:
            low = mid
    return wrap_lines(text, high, size, bold=bold)


def wrap(
    text: str, max_width: float, size: int, min_size: int, *, max_lines: int, bold: bool = False
) -> tuple[list[str], int]:
    """The largest size at which ``text`` takes at most ``max_lines`` lines of ``max_width``;
    at ``min_size`` the last line is cut with an ellipsis."""
    for s in range(size, min_size - 1, -1):
        lines = wrap_lines(text, max_width, s, bold=bold)
        if len(lines) <= max_lines:
            return _balanced(text, lines, max_width, s, bold=bold), s
    lines = wrap_lines(text, max_width, min_size, bold=bold)
    rest = " ".join(lines[max_lines - 1 :]) if _latin(text) else "".join(lines[max_lines - 1 :])
    return [*lines[: max_lines - 1], truncate(rest, max_width, min_size, bold=bold)], min_size


def _latin(text: str) -> bool:
    return not any(_wide(ch) for ch in text)


# --- painting ------------------------------------------------------------------------------


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


def format_score(value: float, precision: int = 1) -> str:
    """A score to ``precision`` decimals (half up); a whole number without decimals."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-precision), ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        return str(int(rounded))
    return f"{rounded:f}"


def long_date(day: date | datetime, lang: str, *, with_time: bool = False) -> str:
    """2026年9月2日 (18:00) / 2 September 2026 (, 18:00): a datetime as it is (already in
    the competition's zone)."""
    month = t("scheduler.picture.months", lang).split(",")[day.month - 1]
    text = t("scheduler.picture.date", lang, year=day.year, month=month, day=day.day)
    if with_time and isinstance(day, datetime):
        text = t("scheduler.picture.date_time", lang, date=text, time=day.strftime("%H:%M"))
    return text
