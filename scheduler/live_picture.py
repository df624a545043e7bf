"""The results picture of a live final (决赛成绩海报): a portrait PNG for the group chat, drawn
like the leaderboard picture (``scheduler.canvas``: a pure layout, then painting in a worker
thread). The title and date, a podium for the first three places (teams on equal scores
share their step), then every team with its players and final score."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date

from i18n import t
from scheduler.canvas import Layout, Rect, draw, fit, long_date

WIDTH, MARGIN, ROW = 1080, 60, 92
NAVY, PANEL, GOLD, INK, MUTED = "#0f2d5c", "#173b70", "#f6c945", "#ffffff", "#a9bbd6"
STEP_COLOURS = {1: "#c9a227", 2: "#8793a3", 3: "#bf6f36"}
STEP_HEIGHTS = {1: 260, 2: 200, 3: 160}


@dataclass(frozen=True)
class Placed:
    rank: int
    team: str
    players: list[str]
    score: int
    tied: bool = False


@dataclass(frozen=True)
class FinalPicture:
    title: str
    day: date
    placed: list[Placed] = field(default_factory=list)  # best first
    lang: str = "zh"


def layout(picture: FinalPicture) -> Layout:
    top = 190 + STEP_HEIGHTS[1]  # the podium's floor, under the title and the date
    height = top + 60 + ROW * len(picture.placed) + 100
    out = Layout(WIDTH, height, NAVY)
    title, size = fit(picture.title, WIDTH - 2 * MARGIN, 64, 36, bold=True)
    out.text(WIDTH / 2, 70, title, size, INK, align="centre", bold=True, role="title")
    heading = t("live.picture.heading", picture.lang) + " · " + long_date(picture.day, picture.lang)
    out.text(WIDTH / 2, 130, heading, 34, GOLD, align="centre", role="date")
    _podium(out, picture, base=top)
    y = top + 40
    for placed in picture.placed:
        _row(out, placed, y, picture.lang)
        y += ROW
    out.text(
        WIDTH / 2,
        height - 50,
        t("scheduler.picture.footer", picture.lang),
        24,
        MUTED,
        align="centre",
        role="footer",
    )
    return out


def _podium(out: Layout, picture: FinalPicture, *, base: float) -> None:
    width = (WIDTH - 2 * MARGIN - 40) / 3
    slots = {2: MARGIN, 1: MARGIN + width + 20, 3: MARGIN + 2 * (width + 20)}
    for rank, x in slots.items():
        names = [p.team for p in picture.placed if p.rank == rank]
        if not names:
            continue
        score = next(p.score for p in picture.placed if p.rank == rank)
        height = STEP_HEIGHTS[rank]
        out.add(
            Rect((x, base - height, x + width, base), STEP_COLOURS[rank], radius=18, role="step")
        )
        out.text(
            x + width / 2,
            base - height + 45,
            str(rank),
            52,
            INK,
            align="centre",
            bold=True,
            role="place",
        )
        label, size = fit("、".join(names), width - 24, 34, 20, bold=True)
        out.text(
            x + width / 2,
            base - height + 105,
            label,
            size,
            INK,
            align="centre",
            bold=True,
            role="podium",
        )
        out.text(
            x + width / 2,
            base - height + 150,
            str(score),
            32,
            NAVY,
            align="centre",
            bold=True,
            role="podium_score",
        )


def _row(out: Layout, placed: Placed, y: float, lang: str) -> None:
    out.add(Rect((MARGIN, y, WIDTH - MARGIN, y + ROW - 12), PANEL, radius=14, role="row"))
    mid = y + (ROW - 12) / 2
    rank = str(placed.rank) + (" " + t("scheduler.picture.tied", lang) if placed.tied else "")
    out.text(MARGIN + 28, mid, rank, 30, GOLD, bold=True, role="rank")
    name, size = fit(placed.team, 430, 34, 22, bold=True)
    out.text(MARGIN + 170, mid - 14, name, size, INK, bold=True, role="name")
    players, small = fit("、".join(placed.players), 560, 22, 16)
    out.text(MARGIN + 170, mid + 22, players, small, MUTED, role="players")
    out.text(
        WIDTH - MARGIN - 28, mid, str(placed.score), 40, INK, align="right", bold=True, role="score"
    )


def render(picture: FinalPicture) -> bytes:
    return draw(layout, picture)


async def render_png(picture: FinalPicture) -> bytes:
    return await asyncio.to_thread(render, picture)
