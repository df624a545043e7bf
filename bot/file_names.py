"""Human file names for the workbooks the bot sends: 「竞赛名-成绩.xlsx」."""

from __future__ import annotations

import re

from i18n import t

UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def workbook_name(competition_name: str, kind: str, lang: str) -> str:
    """``kind`` is ``results`` or ``links``; characters unsafe in file names become ``_``."""
    stem = UNSAFE.sub("_", competition_name).strip(" .") or "quiz"
    return f"{stem[:80]}-{t(f'files.{kind}', lang)}.xlsx"
