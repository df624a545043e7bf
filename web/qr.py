"""QR codes as inline SVG (segno, pure Python): the join link on the big screen, the personal
links on the printable sheet (PNG there, for the workbook)."""

from __future__ import annotations

import io

import segno


def qr_svg(data: str, *, dark: str = "#111", light: str = "#fff") -> str:
    """An SVG element that scales to its box (no fixed size, no XML declaration)."""
    buffer = io.BytesIO()
    segno.make(data, error="m").save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        omitsize=True,
        border=2,
        dark=dark,
        light=light,
        svgclass="qr",
    )
    return buffer.getvalue().decode()


def qr_png(data: str, *, scale: int = 4) -> bytes:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()
