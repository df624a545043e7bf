"""The leaderboard picture (排行榜海报): a portrait PNG for a phone and a wall screen.

Top to bottom: the competition's title and the date, a podium for the first three
individuals, the rest of the top individuals, then the team board with participation
rates. Equal entries share a place and are marked 并列; movement since the last
announcement reads ▲2 / ▼1 / 新. The picture is 1080 px wide (a phone's width) and at most
2560 px tall, the longest side Telegram keeps for a photo: with many teams the rows get
tighter, then the list of individuals shorter, then the team board is cut with a note.

``layout`` is pure (data in, shapes with measured text out; tests read it), ``render`` paints
it, and ``render_png`` runs that in ``asyncio.to_thread`` so the event loop never waits on
drawing. The data is ``scheduler.picture_data``; fonts and painting are ``scheduler.fonts`` and
``scheduler.canvas``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from i18n import t
from scheduler.canvas import (
    CJKFontMissing,
    Ellipse,
    Layout,
    Rect,
    cjk_font_path,
    draw,
    fit,
    fonts,
    has_glyphs,
    long_date,
    wrap,
)
from scheduler.picture_data import BoardPicture, Line, PersonEntry, TeamEntry, lines

__all__ = [
    "BoardPicture",
    "CJKFontMissing",
    "Line",
    "PersonEntry",
    "TeamEntry",
    "cjk_font_path",
    "has_glyphs",
    "layout",
    "lines",
    "render",
    "render_png",
]

WIDTH, MIN_HEIGHT, MAX_HEIGHT = 1080, 1350, 2560
MARGIN = 40
MAX_TEAMS = 20
COMPACT_FROM = 11  # teams at which rows get tighter

NAVY, NAVY_LIGHT, GOLD = "#0f2d5c", "#c9d6ee", "#f6c945"
INK, MUTED, PAGE, CARD, STRIPE = "#111827", "#556070", "#e6ebf3", "#ffffff", "#f1f4f9"
MEDALS = {1: "#dba400", 2: "#8793a3", 3: "#bf6f36"}
PLAIN_BADGE = "#dde3ed"
MOVE_COLORS = {"up": "#d32f2f", "down": "#2e7d32", "new": "#e65100", "": MUTED}


# --- layout --------------------------------------------------------------------------------

# Columns of a board row (x in px): rank badge, 并列, name, turnout, score, movement.
BADGE_X = MARGIN + 52
TIE_X = BADGE_X + 36
NAME_X = TIE_X + 64
MOVE_RIGHT = WIDTH - MARGIN - 18
SCORE_RIGHT = MOVE_RIGHT - 96
RATE_RIGHT = SCORE_RIGHT - 146
BAR_W = 84
NAME_END = {"person": SCORE_RIGHT - 130, "team": RATE_RIGHT - 92 - BAR_W - 20}


@dataclass(frozen=True)
class _Rows:
    """How much of each board is shown, and how tall its rows are."""

    people: int
    teams: int
    person_h: int
    team_h: int


def layout(board: BoardPicture) -> Layout:
    """The picture as shapes, fitted to at most ``MAX_HEIGHT`` (raises ``CJKFontMissing``)."""
    people, teams = lines(board)
    compact = len(teams) >= COMPACT_FROM
    rows = _Rows(len(people), min(len(teams), MAX_TEAMS), *((68, 60) if compact else (80, 76)))
    while True:
        drawn = _layout(board, people, teams, rows)
        if drawn.height <= MAX_HEIGHT or (rows.people <= 3 and rows.teams <= 1):
            return drawn
        if rows.people > 3:
            rows = replace(rows, people=rows.people - 1)
        else:
            rows = replace(rows, teams=rows.teams - 1)


def _layout(board: BoardPicture, people: list[Line], teams: list[Line], rows: _Rows) -> Layout:
    lang = board.lang
    out = Layout(WIDTH, MIN_HEIGHT, PAGE)
    y = _header(out, board)
    if not people and not teams:
        y = _empty(out, y, lang)
    if people:
        y = _section_title(out, y, t("scheduler.picture.individuals", lang))
        y = _podium(out, y, people[:3], lang)
        y = _board(out, y, people[3 : rows.people], rows.person_h, kind="person", lang=lang)
    if teams:
        legend = (t("scheduler.picture.participation", lang), t("scheduler.picture.score", lang))
        y = _section_title(out, y, t("scheduler.picture.teams", lang), legend=legend)
        y = _board(out, y, teams[: rows.teams], rows.team_h, kind="team", lang=lang)
        if hidden := len(teams) - rows.teams:
            more = t("scheduler.picture.more_teams", lang, n=hidden)
            out.text(WIDTH / 2, y + 4, more, 28, MUTED, align="centre", role="more")
            y += 44
    out.height = max(MIN_HEIGHT, round(y + 76))
    footer = t("scheduler.picture.footer", lang)
    out.text(WIDTH / 2, out.height - 42, footer, 26, MUTED, align="centre", role="footer")
    return out


def _header(out: Layout, board: BoardPicture) -> float:
    """The navy band: tagline, the competition's title (up to three lines), heading and date."""
    lang, inner = board.lang, WIDTH - 2 * MARGIN - 20
    tagline = t("scheduler.picture.tagline", lang)
    out.text(WIDTH / 2, 62, tagline, 30, GOLD, align="centre", role="tagline")
    title, size = wrap(board.title, inner, 64, 40, max_lines=3, bold=True)
    y = 104 + size * 0.6
    for text in title:
        out.text(
            WIDTH / 2, y, text, size, CARD, align="centre", bold=True, role="title", max_width=inner
        )
        y += size * 1.3
    heading = t(f"scheduler.picture.{'final_heading' if board.final else 'heading'}", lang)
    when = long_date(board.when, lang, with_time=True)
    head_w = fonts().width(heading, 36, bold=True) + 48
    x = (WIDTH - head_w - 20 - fonts().width(when, 32)) / 2
    y += 8
    out.add(Rect((x, y - 30, x + head_w, y + 30), GOLD, radius=30))
    out.text(x + head_w / 2, y, heading, 36, NAVY, align="centre", bold=True, role="heading")
    out.text(x + head_w + 20, y, when, 32, NAVY_LIGHT, role="date")
    bottom = y + 60
    out.shapes.insert(0, Rect((0, 0, WIDTH, bottom), NAVY))
    return bottom + 24


def _section_title(
    out: Layout, y: float, title: str, *, legend: tuple[str, str] | None = None
) -> float:
    mid = y + 32
    out.add(Rect((MARGIN, mid - 22, MARGIN + 10, mid + 22), NAVY, radius=5))
    out.text(MARGIN + 26, mid, title, 42, INK, bold=True, role="section")
    if legend:
        rate, score = legend
        out.text(RATE_RIGHT, mid + 6, rate, 28, MUTED, align="right", role="legend")
        out.text(SCORE_RIGHT, mid + 6, score, 28, MUTED, align="right", role="legend")
    return y + 76


def _empty(out: Layout, y: float, lang: str) -> float:
    """Nobody has a score yet: one card down to the footer, inviting them in."""
    bottom = MIN_HEIGHT - 110
    out.add(Rect((MARGIN, y + 20, WIDTH - MARGIN, bottom), CARD, radius=24))
    mid = (y + 20 + bottom) / 2
    empty = t("scheduler.picture.empty", lang)
    out.text(WIDTH / 2, mid - 60, empty, 72, INK, align="centre", bold=True, role="empty")
    hint, size = fit(t("scheduler.picture.empty_hint", lang), WIDTH - 4 * MARGIN, 40, 26)
    out.text(WIDTH / 2, mid + 60, hint, size, MUTED, align="centre", role="empty_hint")
    return bottom


# --- the podium ----------------------------------------------------------------------------

PODIUM_W = 316
PODIUM_X = (WIDTH / 2, WIDTH / 2 - PODIUM_W - 16, WIDTH / 2 + PODIUM_W + 16)  # 1st, 2nd, 3rd
STEP_H = {1: 200, 2: 156, 3: 120}


@dataclass(frozen=True)
class _Column:
    """One podium place: its texts from the top (text, size, colour, bold, role)."""

    line: Line
    texts: list[tuple[str, int, str, bool, str]]

    @property
    def height(self) -> float:
        return sum(size * 1.3 for _, size, *_ in self.texts)


def _column(line: Line, lang: str) -> _Column:
    box = PODIUM_W - 20
    names, size = wrap(line.name, box, 46, 28, max_lines=3, bold=True)
    texts = [(name, size, INK, True, "name") for name in names]
    if line.detail:
        team, team_size = fit(line.detail, box, 30, 24)
        texts.append((team, team_size, MUTED, False, "team"))
    label = line.score if line.percent else t("scheduler.picture.points", lang, score=line.score)
    points, points_size = fit(label, box, 52, 30, bold=True)
    texts.append((points, points_size, NAVY, True, "score"))
    if line.move[0]:
        texts.append((line.move[0], 30, MOVE_COLORS[line.move[1]], True, "move"))
    return _Column(line, texts)


def _podium(out: Layout, y: float, places: list[Line], lang: str) -> float:
    columns = [_column(line, lang) for line in places]
    base = y + 16 + max(c.height + STEP_H[c.line.medal or 3] for c in columns) + 12
    for x, column in zip(PODIUM_X, columns, strict=False):
        medal = column.line.medal or 3
        step_top = base - STEP_H[medal]
        cursor = step_top - 12 - column.height
        for text, size, color, bold, role in column.texts:
            cursor += size * 0.65
            out.text(
                x,
                cursor,
                text,
                size,
                color,
                align="centre",
                bold=bold,
                role=role,
                max_width=PODIUM_W - 20,
            )
            cursor += size * 0.65
        left, right = x - PODIUM_W / 2, x + PODIUM_W / 2
        out.add(Rect((left, step_top, right, base), MEDALS[medal], radius=18, role="step"))
        tied = column.line.tied
        number_y = step_top + STEP_H[medal] / 2 - (24 if tied else 0)
        number = column.line.rank
        out.text(
            x,
            number_y,
            number,
            84 if medal < 3 else 72,
            CARD,
            align="centre",
            bold=True,
            role="rank",
        )
        if tied:
            tied_text = t("scheduler.picture.tied", lang)
            out.text(x, number_y + 62, tied_text, 32, CARD, align="centre", bold=True, role="tied")
    return base + 20


# --- board rows ----------------------------------------------------------------------------


def _board(out: Layout, y: float, rows: list[Line], row_h: int, *, kind: str, lang: str) -> float:
    """A white card of rows; ``kind`` is "person" (name and team) or "team" (and turnout)."""
    if not rows:
        return y
    top, bottom = y, y + row_h * len(rows) + 16
    out.add(Rect((MARGIN, top, WIDTH - MARGIN, bottom), CARD, radius=20))
    for i, line in enumerate(rows):
        row_top = top + 8 + i * row_h
        if i % 2:
            out.add(
                Rect((MARGIN + 8, row_top, WIDTH - MARGIN - 8, row_top + row_h), STRIPE, radius=12)
            )
        _row(out, row_top + row_h / 2, line, row_h, kind, lang)
    return bottom + 24


def _row(out: Layout, mid: float, line: Line, row_h: int, kind: str, lang: str) -> None:
    big = 40 if row_h >= 72 else 36
    unranked = line.medal is None and not line.rank.isdigit()
    radius = min(28, row_h / 2 - 6)
    badge = MEDALS.get(line.medal or 0, PLAIN_BADGE)
    out.add(
        Ellipse(
            (BADGE_X - radius, mid - radius, BADGE_X + radius, mid + radius), badge, role="badge"
        )
    )
    rank, rank_size = fit(line.rank, radius * 2 - 6, 32, 20, bold=True)
    out.text(
        BADGE_X,
        mid,
        rank,
        rank_size,
        CARD if line.medal else INK,
        align="centre",
        bold=True,
        role="rank",
    )
    if line.tied:
        out.text(TIE_X, mid, t("scheduler.picture.tied", lang), 26, MUTED, role="tied")
    ink = MUTED if unranked else INK
    end = NAME_END[kind]
    name, size = fit(line.name, end - NAME_X, big, 28, bold=True)
    shown = out.text(NAME_X, mid, name, size, ink, bold=True, role="name", max_width=end - NAME_X)
    room = end - shown.right - 16
    if line.detail and room >= 90:
        team, _ = fit(line.detail, room, 28, 28)
        out.text(shown.right + 16, mid + 2, team, 28, MUTED, role="team", max_width=room)
    if kind == "team" and line.participation is not None:
        _turnout(out, mid, line.participation)
    out.text(
        SCORE_RIGHT,
        mid,
        line.score,
        big,
        NAVY if not unranked else MUTED,
        align="right",
        bold=True,
        role="score",
    )
    if line.move[0]:
        out.text(
            MOVE_RIGHT,
            mid,
            line.move[0],
            28,
            MOVE_COLORS[line.move[1]],
            align="right",
            bold=True,
            role="move",
        )


def _turnout(out: Layout, mid: float, rate: float) -> None:
    color = "#2e7d32" if rate >= 0.8 else "#e08a00" if rate >= 0.5 else "#c62828"
    bar_right = RATE_RIGHT - 92
    bar = (bar_right - BAR_W, mid - 6, bar_right, mid + 6)
    out.add(Rect(bar, "#e1e6ee", radius=6))
    if rate > 0:
        out.add(
            Rect(
                (bar[0], bar[1], bar[0] + max(12, BAR_W * min(rate, 1.0)), bar[3]), color, radius=6
            )
        )
    out.text(
        RATE_RIGHT, mid, f"{round(rate * 100)}%", 30, color, align="right", bold=True, role="rate"
    )


def render(board: BoardPicture) -> bytes:
    """The PNG bytes (blocking: call ``render_png`` from async code)."""
    return draw(layout, board)


async def render_png(board: BoardPicture) -> bytes:
    """Render in a worker thread."""
    return await asyncio.to_thread(render, board)
