"""Rendering an upload check for the organiser: counts, the first problems, the full report."""

from __future__ import annotations

import html
from typing import Any

from bot.admin_common import counts_lines
from contest.uploads import UploadCheck, UploadKind
from i18n import t
from quizbank.formats import RowError
from quizbank.overlap import overlap_lines

MAX_COUNT_LINES = 15


def _translate(keys: list[str], lang: str, params: dict[str, Any]) -> str | None:
    for key in keys:
        try:
            return t(key, lang, **params)
        except (KeyError, IndexError):
            continue
    return None


def row_error_text(error: RowError, lang: str) -> str:
    """ "工作表 Sheet1 第5行 [答案]: …" for a bank or a roster ``RowError`` (plain text)."""
    return error.describe(lang)


def _label(section: str, key: str, lang: str) -> str:
    if section == "by_type":
        return _translate([f"bank.type.{key}"], lang, {}) or key
    return key or t("admin.upload.no_category", lang)


def _count_sections(check: UploadCheck, lang: str) -> list[str]:
    lines: list[str] = []
    for section, counts in check.counts.items():
        if not counts:
            continue
        lines.append(t(f"admin.upload.{section}", lang))
        entries = counts_lines(counts, lambda key, s=section: _label(s, str(key), lang), lang)
        lines += entries[:MAX_COUNT_LINES]
        if len(entries) > MAX_COUNT_LINES:
            lines.append(t("admin.upload.more_lines", lang, count=len(entries) - MAX_COUNT_LINES))
    return lines


def render_report(check: UploadCheck, lang: str, *, shown: int) -> tuple[str, str | None]:
    """The chat message (HTML) and, with more than ``shown`` problems, the full plain report."""
    kind = "roster" if check.kind is UploadKind.ROSTER else "bank"
    name = html.escape(check.filename)
    lines = [
        t(f"admin.upload.title_{kind}", lang, filename=name),
        t(f"admin.upload.valid_{kind}", lang, count=check.valid),
    ]
    lines += _count_sections(check, lang)
    lines += [html.escape(line) for line in overlap_lines(check.overlaps, lang, shown=shown)]
    if check.notices:
        lines.append(t("admin.upload.notices", lang, count=len(check.notices)))
        lines += [f"• {html.escape(row_error_text(n, lang))}" for n in check.notices[:shown]]
    full = None
    if check.errors:
        described = [row_error_text(e, lang) for e in check.errors]
        lines.append(
            t("admin.upload.errors", lang, count=len(described), shown=min(shown, len(described)))
        )
        lines += [f"• {html.escape(text)}" for text in described[:shown]]
        if len(described) > shown:
            lines.append(t("admin.upload.more_errors", lang, count=len(described) - shown))
            full = "\n".join([check.filename, *described]) + "\n"
        lines.append(t("admin.upload.rejected", lang))
    elif check.valid == 0:
        lines.append(t("admin.upload.nothing", lang))
    elif kind == "bank":
        lines.append(
            t(
                "admin.upload.confirm_bank",
                lang,
                name=html.escape(check.set_name or ""),
                count=check.valid,
            )
        )
    else:
        lines.append(t("admin.upload.confirm_roster", lang, count=check.valid))
    return "\n".join(lines), full
