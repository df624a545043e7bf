"""Fonts for the pictures: a CJK font found by matplotlib's font manager, and a fallback.

WenQuanYi Micro Hei (Debian ``fonts-wqy-microhei``) or a Noto/Source Han CJK font; without
one we raise ``CJKFontMissing`` rather than draw tofu boxes. Characters the CJK font lacks
(ÿ, Ω, ✓…) come from matplotlib's bundled DejaVu Sans; a character neither font has (an
emoji in a name) is left out rather than drawn as a box. Pillow measures the text. The font
has no bold face, so bold is a thin outline in the text's own colour (``stroke``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path

import matplotlib
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font
from PIL import ImageFont

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


class CJKFontMissing(RuntimeError):
    """No font with Chinese glyphs: install fonts-wqy-microhei (apt) or a Noto CJK font."""


def has_glyphs(path: str | Path, text: str = PROBE) -> bool:
    font = FT2Font(str(path))
    return all(font.get_char_index(ord(ch)) != 0 for ch in text)


@cache
def cjk_font_path() -> str:
    """A font file with Chinese glyphs; raises ``CJKFontMissing`` with what to install."""
    return find_cjk_font()


def find_cjk_font(
    files: Sequence[Path] | None = None, families: Sequence[str] | None = None
) -> str:
    """``cjk_font_path`` uncached, looking at ``files`` and then ``families`` (the doctor)."""
    files = (WQY_MICROHEI,) if files is None else files
    candidates: list[str] = [str(path) for path in files if path.exists()]
    for family in CJK_FAMILIES if families is None else families:
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
