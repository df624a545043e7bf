"""The sheet of personal quiz links an organiser prints or pastes into WeCom / DingTalk:
one row per roster worker with 姓名, 工号, team, the signed link and its QR code.

Cells are written as text (a name starting with ``=`` stays a name); the QR codes are
PNGs anchored beside each row. Built in a worker thread: a roster of thousands takes a
few seconds of CPU.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font

from contest.models import Competition, Worker
from contest.signing import link_token
from i18n import t
from web.qr import qr_png

QR_ROW_HEIGHT = 80  # points: room for a scannable code
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class LinkRow:
    name: str
    employee_no: str
    team: str
    url: str


def link_rows(
    key: bytes, base_url: str, competition: Competition, roster: list[tuple[Worker, str]]
) -> list[LinkRow]:
    rows = []
    for worker, team in roster:
        token = link_token(
            key,
            worker_id=int(worker.id or 0),
            competition_id=int(competition.id or 0),
            ends_at=competition.ends_at,
        )
        rows.append(
            LinkRow(worker.real_name, worker.employee_no or "", team, f"{base_url}/h5/{token}")
        )
    return rows


def _safe(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def link_workbook(rows: list[LinkRow], *, title: str, lang: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t("web.links.sheet", lang)[:31]
    sheet.append([_safe(title)])
    sheet["A1"].font = Font(bold=True, size=14)
    headers = [
        t(f"web.links.{name}", lang) for name in ("name", "employee_no", "team", "url", "qr")
    ]
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for width, column in zip((12, 14, 24, 70, 14), "ABCDE", strict=True):
        sheet.column_dimensions[column].width = width
    for index, row in enumerate(rows, start=3):
        sheet.append([_safe(row.name), _safe(row.employee_no), _safe(row.team), row.url])
        sheet.cell(index, 4).hyperlink = row.url
        sheet.row_dimensions[index].height = QR_ROW_HEIGHT
        for col_index in range(1, 5):
            sheet.cell(index, col_index).alignment = Alignment(vertical="center", wrap_text=True)
        picture = Image(io.BytesIO(qr_png(row.url, scale=3)))
        picture.width = picture.height = 100
        sheet.add_image(picture, f"E{index}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
