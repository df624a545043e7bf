"""The leaderboard picture (PNG): team bars and the top individuals, Chinese rendered properly.

matplotlib's Agg backend through the object API (no pyplot state, safe in a worker thread);
``render_png`` runs it in ``asyncio.to_thread`` so the event loop never waits on drawing.
Chinese needs a CJK font: WenQuanYi Micro Hei (Debian ``fonts-wqy-microhei``) or any Noto/
Source Han CJK font matplotlib can find; without one we refuse rather than draw tofu boxes.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font

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
WIDTH_IN, HEIGHT_IN, DPI = 10.0, 6.0, 100


class CJKFontMissing(RuntimeError):
    """No font with Chinese glyphs: install fonts-wqy-microhei (apt) or a Noto CJK font."""


@dataclass(frozen=True)
class BoardPicture:
    """What the picture shows; names are plain text (matplotlib needs no escaping)."""

    title: str
    subtitle: str
    teams: list[tuple[str, float]] = field(default_factory=list)  # (name, score), best first
    individuals: list[tuple[int, str, float]] = field(default_factory=list)  # (rank, name, score)
    teams_label: str = "Teams"
    individuals_label: str = "Top individuals"
    empty_label: str = "—"


def has_glyphs(path: str | Path, text: str = PROBE) -> bool:
    font = FT2Font(str(path))
    return all(font.get_char_index(ord(ch)) != 0 for ch in text)


@cache
def cjk_font_path() -> str:
    """A font file with Chinese glyphs; raises ``CJKFontMissing`` with what to install."""
    return find_cjk_font()


def find_cjk_font(
    files: Sequence[Path] = (WQY_MICROHEI,), families: Sequence[str] = CJK_FAMILIES
) -> str:
    """``cjk_font_path`` uncached, looking at ``files`` and then ``families`` (the doctor)."""
    candidates: list[str] = [str(path) for path in files if path.exists()]
    for family in families:
        try:
            candidates.append(findfont(FontProperties(family=family), fallback_to_default=False))
        except ValueError:
            continue
    for path in candidates:
        if Path(path).exists() and has_glyphs(path):
            return path
    raise CJKFontMissing(
        "no CJK font found for the leaderboard picture: install the Debian package "
        "fonts-wqy-microhei (or a Noto Sans CJK font) and restart"
    )


def render(board: BoardPicture) -> bytes:
    """The PNG bytes (blocking: call ``render_png`` from async code)."""
    font = FontProperties(fname=cjk_font_path())
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    figure.suptitle(board.title, fontproperties=font, fontsize=18, fontweight="bold")
    figure.text(
        0.5, 0.89, board.subtitle, ha="center", fontproperties=font, fontsize=11, color="#555555"
    )
    teams_ax = figure.add_axes((0.2, 0.08, 0.35, 0.74))
    people_ax = figure.add_axes((0.6, 0.08, 0.38, 0.74))
    _team_bars(teams_ax, board, font)
    _individual_list(people_ax, board, font)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _team_bars(ax: Axes, board: BoardPicture, font: FontProperties) -> None:
    ax.set_title(board.teams_label, fontproperties=font, fontsize=13)
    teams = board.teams[:10]
    if not teams:
        ax.axis("off")
        ax.text(0.5, 0.5, board.empty_label, ha="center", fontproperties=font)
        return
    names = [name for name, _ in reversed(teams)]
    scores = [score for _, score in reversed(teams)]
    colors = ["#d4a017" if i == len(teams) - 1 else "#4c72b0" for i in range(len(teams))]
    bars = ax.barh(range(len(teams)), scores, color=colors)
    ax.set_yticks(range(len(teams)), names, fontproperties=font)
    ax.bar_label(bars, labels=[f"{s:g}" for s in scores], padding=3, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(x=0.15)


def _individual_list(ax: Axes, board: BoardPicture, font: FontProperties) -> None:
    ax.axis("off")
    ax.set_title(board.individuals_label, fontproperties=font, fontsize=13)
    rows = board.individuals[:10]
    if not rows:
        ax.text(0.5, 0.5, board.empty_label, ha="center", fontproperties=font)
        return
    medals = {1: "#d4a017", 2: "#a0a0a0", 3: "#b87333"}
    for i, (rank, name, score) in enumerate(rows):
        y = 0.95 - i * 0.095
        color = medals.get(rank, "#333333")
        ax.text(
            0.02, y, f"{rank}.", fontproperties=font, fontsize=12, color=color, fontweight="bold"
        )
        ax.text(0.14, y, name[:14], fontproperties=font, fontsize=12)
        ax.text(0.98, y, f"{score:g}", ha="right", fontproperties=font, fontsize=12)


async def render_png(board: BoardPicture) -> bytes:
    """Render in a worker thread."""
    return await asyncio.to_thread(render, board)
