"""Certificates (荣誉证书) for the top places and participation cards (参与证明) for everyone.

Both are PNGs drawn in-process like the leaderboard picture: ``certificate_layout`` and
``participation_layout`` are pure (data in, shapes with measured text out), ``render_*``
paint them, and ``certificate_png`` / ``participation_png`` run that in a worker thread.
Every text is fitted to its box: long Chinese or English names and titles shrink, then wrap,
and only past the smallest size are they cut with an ellipsis. When everything together is
still too tall for the page, the whole layout is drawn again at a smaller scale.

The certificate is landscape A4 (1754 × 1240, 150 dpi: it prints); the card is a 4:5
portrait (1080 × 1350) for the group chat. Text is in the recipient's language (zh default).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from i18n import t
from scheduler.canvas import (
    Align,
    Ellipse,
    Layout,
    Rect,
    Text,
    draw,
    fit,
    fonts,
    format_score,
    long_date,
    wrap,
)

CERT_W, CERT_H = 1754, 1240
CARD_W, CARD_H = 1080, 1350
SCALES = (1.0, 0.92, 0.84, 0.76, 0.68)  # tried in turn until the page holds everything

RED, GOLD, INK, MUTED = "#b3261e", "#c9a227", "#1f2430", "#5f6675"
PAPER, NAVY, LIGHT_GOLD = "#fffaf0", "#0f2d5c", "#f6c945"
MEDALS = {1: "#dba400", 2: "#8793a3", 3: "#bf6f36"}


@dataclass(frozen=True)
class CertificateData:
    """Who a certificate or card is for, and for what.

    ``name`` as the organiser knows the worker (real name); ``competition`` its name;
    ``organiser`` who awards it (某某公司工会, 质量管理部); ``day`` the date printed (the
    close of the competition, in its zone); ``team`` the team's path or short label;
    ``rank`` and ``tied`` the place (并列) — required for a certificate, optional on a card;
    ``score`` the counted score (a card may leave it out); ``precision`` its decimals.
    """

    name: str
    competition: str
    organiser: str
    day: date
    team: str = ""
    rank: int | None = None
    tied: bool = False
    score: float | None = None
    precision: int = 1
    lang: str = "zh"


def _place(data: CertificateData, key: str) -> str:
    suffix = "_tied" if data.tied else ""
    return t(f"scheduler.certificate.{key}{suffix}", data.lang, rank=data.rank)


class _Column:
    """Centred text blocks stacked from a top edge, at a scale."""

    def __init__(self, out: Layout, centre: float, width: float, y: float, scale: float):
        self.out, self.centre, self.width, self.y, self.k = out, centre, width, y, scale

    def gap(self, px: float) -> None:
        self.y += px * self.k

    def block(
        self,
        text: str,
        size: int,
        min_size: int,
        color: str,
        *,
        role: str,
        lines: int = 1,
        bold: bool = False,
        one_line_down_to: int | None = None,
    ) -> list[Text]:
        """``text`` fitted to the width: shrunk from ``size`` (scaled) and wrapped to at most
        ``lines`` lines; ``one_line_down_to`` keeps it on one line while that size does."""
        top = round(size * self.k)
        rows, s = [text], top
        if (
            one_line_down_to is None
            or fonts().width(text, round(one_line_down_to * self.k), bold=bold) > self.width
        ):
            rows, s = wrap(text, self.width, top, min(min_size, top), max_lines=lines, bold=bold)
        else:
            s = fit(text, self.width, top, round(one_line_down_to * self.k), bold=bold)[1]
        drawn = []
        for row in rows:
            self.y += s * 0.65
            drawn.append(
                self.out.text(
                    self.centre,
                    self.y,
                    row,
                    s,
                    color,
                    align="centre",
                    bold=bold,
                    role=role,
                    max_width=self.width,
                )
            )
            self.y += s * 0.65
        return drawn


def _shift(out: Layout, start: int, dy: float) -> None:
    """Move the shapes from index ``start`` on down by ``dy``."""
    for i in range(start, len(out.shapes)):
        shape = out.shapes[i]
        if isinstance(shape, Text):
            out.shapes[i] = replace(shape, y=shape.y + dy)
        else:
            x0, y0, x1, y1 = shape.box
            out.shapes[i] = replace(shape, box=(x0, y0 + dy, x1, y1 + dy))


# --- the certificate -----------------------------------------------------------------------


def certificate_layout(data: CertificateData) -> Layout:
    """The certificate's shapes; ``data.rank`` is required (``ValueError`` without)."""
    if data.rank is None:
        raise ValueError("a certificate needs a place (rank)")
    return _largest_that_fits(_certificate, data)


def _largest_that_fits(
    build: Callable[[CertificateData, float], tuple[Layout, bool]], data: CertificateData
) -> Layout:
    """The layout at the largest of ``SCALES`` that holds everything (else the smallest)."""
    for scale in SCALES:
        out, fits = build(data, scale)
        if fits:
            break
    return out


def _certificate(data: CertificateData, k: float) -> tuple[Layout, bool]:
    lang = data.lang
    out = Layout(CERT_W, CERT_H, PAPER)
    out.add(Rect((28, 28, CERT_W - 28, CERT_H - 28), None, radius=6, outline=RED, line=16))
    out.add(Rect((60, 60, CERT_W - 60, CERT_H - 60), None, radius=4, outline=GOLD, line=3))
    for x in (60, CERT_W - 60):
        for y in (60, CERT_H - 60):
            out.add(Ellipse((x - 12, y - 12, x + 12, y + 12), GOLD))
    start = len(out.shapes)
    text = _Column(out, CERT_W / 2, CERT_W - 380, 110, k)
    title = text.block(
        t("scheduler.certificate.title", lang), 112, 64, RED, role="title", bold=True
    )
    half = max(item.width for item in title) / 2 + 40
    out.add(Rect((CERT_W / 2 - half, text.y + 14, CERT_W / 2 + half, text.y + 19), GOLD))
    text.gap(44)
    text.block(t("scheduler.certificate.preamble", lang), 40, 28, MUTED, role="preamble")
    text.gap(14)
    text.block(data.name, 104, 48, INK, role="name", lines=2, bold=True, one_line_down_to=72)
    if data.team:
        text.block(data.team, 38, 26, MUTED, role="team")
    text.gap(24)
    body = t("scheduler.certificate.body", lang, competition=data.competition)
    text.block(body, 42, 28, INK, role="body", lines=3)
    text.gap(10)
    text.block(_place(data, "place"), 92, 48, RED, role="place", bold=True)
    if data.score is not None:
        score = format_score(data.score, data.precision)
        text.block(t("scheduler.certificate.score", lang, score=score), 40, 28, INK, role="score")
    text.gap(8)
    text.block(t("scheduler.certificate.closing", lang), 36, 26, MUTED, role="closing")
    limit = CERT_H - 330  # the medal and the signature below
    _shift(out, start, max(0.0, (limit - text.y) / 2))
    _medal(out, 300, CERT_H - 220, 96, data)
    _signature(out, data, x=CERT_W - 170, bottom=CERT_H - 130, width=620, align="right")
    return out, text.y <= limit


def _medal(out: Layout, cx: float, cy: float, r: float, data: CertificateData) -> None:
    color = MEDALS.get(data.rank or 0, RED)
    out.add(Ellipse((cx - r - 10, cy - r - 10, cx + r + 10, cy + r + 10), None, GOLD, line=4))
    out.add(Ellipse((cx - r, cy - r, cx + r, cy + r), color, role="medal"))
    number, size = fit(str(data.rank), r * 1.5, 96, 40, bold=True)
    out.text(
        cx,
        cy,
        number,
        size,
        "#ffffff",
        align="centre",
        bold=True,
        role="medal_rank",
        max_width=r * 1.5,
    )


def _signature(
    out: Layout, data: CertificateData, *, x: float, bottom: float, width: float, align: Align
) -> None:
    """The organiser (up to two lines) over the date, ending at ``bottom``."""
    rows, size = wrap(data.organiser, width, 42, 28, max_lines=2, bold=True)
    day = long_date(data.day, data.lang)
    y = bottom - 40 - 16 - len(rows) * size * 1.3
    for row in rows:
        y += size * 0.65
        out.text(x, y, row, size, INK, align=align, bold=True, role="organiser", max_width=width)
        y += size * 0.65
    out.text(x, bottom - 20, day, 36, INK, align=align, role="date", max_width=width)


# --- the participation card ----------------------------------------------------------------


def participation_layout(data: CertificateData) -> Layout:
    """The participation card's shapes (place and score shown when given)."""
    return _largest_that_fits(_card, data)


def _card(data: CertificateData, k: float) -> tuple[Layout, bool]:
    lang = data.lang
    out = Layout(CARD_W, CARD_H, PAPER)
    out.add(Rect((0, 0, CARD_W, 330), NAVY))
    out.add(Rect((0, 330, CARD_W, 342), LIGHT_GOLD))
    head = _Column(out, CARD_W / 2, CARD_W - 140, 56, 1.0)
    head.block(t("scheduler.picture.tagline", lang), 32, 24, LIGHT_GOLD, role="tagline")
    head.gap(28)
    head.block(
        t("scheduler.certificate.participation_title", lang),
        88,
        52,
        "#ffffff",
        role="title",
        bold=True,
    )
    start = len(out.shapes)
    text = _Column(out, CARD_W / 2, CARD_W - 160, 400, k)
    text.block(
        t("scheduler.certificate.participation_preamble", lang), 40, 28, MUTED, role="preamble"
    )
    text.gap(12)
    text.block(data.name, 96, 44, INK, role="name", lines=2, bold=True, one_line_down_to=64)
    if data.team:
        text.block(data.team, 38, 26, MUTED, role="team")
    text.gap(28)
    body = t("scheduler.certificate.participation_body", lang, competition=data.competition)
    text.block(body, 44, 28, INK, role="body", lines=3)
    text.gap(30)
    _result(out, text, data)
    text.gap(40)
    text.block(t("scheduler.certificate.motto", lang), 44, 30, RED, role="motto", bold=True)
    limit = CARD_H - 240  # the signature below
    _shift(out, start, max(0.0, (limit - text.y) / 2))
    _signature(out, data, x=CARD_W / 2, bottom=CARD_H - 70, width=CARD_W - 160, align="centre")
    return out, text.y <= limit


def _result(out: Layout, text: _Column, data: CertificateData) -> None:
    """Score and place in a gold-edged box, when there is either."""
    parts: list[tuple[str, str]] = []
    if data.score is not None:
        score = format_score(data.score, data.precision)
        parts.append(
            (t("scheduler.certificate.participation_score", data.lang, score=score), "score")
        )
    if data.rank is not None:
        parts.append((_place(data, "place"), "place"))
    if not parts:
        return
    top, first = text.y, len(out.shapes)
    text.gap(18)
    for part, role in parts:
        text.block(part, 52, 32, NAVY if role == "score" else RED, role=role, bold=True)
    text.gap(18)
    box = (CARD_W / 2 - 330, top, CARD_W / 2 + 330, text.y)
    out.shapes.insert(first, Rect(box, "#ffffff", 24, GOLD, 3))  # under its texts


# --- painting ------------------------------------------------------------------------------


def render_certificate(data: CertificateData) -> bytes:
    """The certificate as PNG bytes (blocking: use ``certificate_png`` from async code)."""
    return draw(certificate_layout, data)


def render_participation_card(data: CertificateData) -> bytes:
    """The participation card as PNG bytes (blocking: use ``participation_png``)."""
    return draw(participation_layout, data)


async def certificate_png(data: CertificateData) -> bytes:
    return await asyncio.to_thread(render_certificate, data)


async def participation_png(data: CertificateData) -> bytes:
    return await asyncio.to_thread(render_participation_card, data)


class CannotDraw(Exception):
    """A queued picture's data could not be drawn; its row fails rather than retrying."""


async def draw_queued(kind: str, payload: bytes | None) -> bytes:
    """A picture the outbox queued as its data (JSON ``CertificateData``), drawn now: a close
    queues one per participant, and drawing thousands up front would hold the job."""
    try:
        data = json.loads((payload or b"{}").decode())
        card = CertificateData(**(data | {"day": date.fromisoformat(data["day"])}))
        if kind == "certificate":
            return await certificate_png(card)
        return await participation_png(card)
    except Exception as exc:
        raise CannotDraw(str(exc)) from exc
