"""Scores and places as people read them, for every edge: "18 分", "18.5 points", "90%", "并列3"."""

from __future__ import annotations

from contest.scoring import ScoreStyle, round_score
from i18n import t


def score_text(value: float, lang: str, style: ScoreStyle | None = None) -> str:
    """The score with its unit, at the competition's precision (or as a percentage)."""
    style = style or ScoreStyle()
    share = style.percentage(value)
    if share is not None:
        return t("scores.percent", lang, value=share)
    return t(
        "scores.points", lang, value=style.number(value), count=round_score(value, style.precision)
    )


def score_figure(value: float, lang: str, style: ScoreStyle) -> str:
    """The score without its unit where a column or a heading says it ("18.5"), but as a
    percentage ("92.5%") when the competition reads scores so."""
    share = style.percentage(value)
    return style.number(value) if share is None else t("scores.percent", lang, value=share)


def rank_text(rank: int | str, tied: bool, lang: str) -> str:
    """A place as text: "3", or "并列3" / "=3" when it is shared (并列)."""
    return t("scores.rank_tied", lang, rank=rank) if tied else str(rank)
