"""Worker notices every edge shows alike (HTML; the messengers' cards take them through
:func:`chat.texts.plain`): the question left open behind /start or the menu, and when a
running competition's mistakes join the 错题本."""

from __future__ import annotations

import math
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from contest.attempts.unfinished import OpenQuestion
from contest.mistakes import WaitingBook
from i18n import t


def date_time(when: datetime, tz: str, lang: str) -> str:
    """9月8日 18:00 / 8 Sep 18:00, in ``tz``."""
    local = when.astimezone(ZoneInfo(tz))
    month = t("quiz.when.months", lang).split(",")[local.month - 1]
    return t("quiz.when.date_time", lang, month=month, day=local.day, time=f"{local:%H:%M}")


def open_question_text(found: OpenQuestion, lang: str, *, now: datetime) -> str:
    """Which competition, question k of n, and the seconds left on its clock."""
    title = escape(found.title) if found.title else t("workerchat.open.practice", lang)
    n, total = found.position + 1, found.total
    if found.over:
        return t("workerchat.open.over", lang, title=title, n=n, total=total)
    if found.deadline_at is None:
        return t("workerchat.open.waiting", lang, title=title, n=n, total=total)
    seconds = max(math.ceil((found.deadline_at - now).total_seconds()), 0)
    return t("workerchat.open.clock", lang, title=title, n=n, total=total, seconds=seconds)


def open_question_button(found: OpenQuestion, lang: str) -> str:
    """Back to a question whose clock runs; else carry on (what happened is said there)."""
    clock = found.deadline_at is not None and not found.over
    return t("workerchat.open.button" if clock else "workerchat.open.button_next", lang)


def waiting_book_text(waiting: list[WaitingBook], lang: str) -> str | None:
    """One line per running competition the worker answered in: when its mistakes join."""
    lines = []
    for book in waiting:
        name = escape(book.name)
        if book.joins:
            when = date_time(book.ends_at, book.timezone, lang)
            lines.append(t("workerchat.book.at_close", lang, name=name, time=when))
        else:
            lines.append(t("workerchat.book.never", lang, name=name))
    return "\n".join(lines) or None
