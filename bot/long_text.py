"""Every long text fits: split at line boundaries under Telegram's 4,096 characters, sent as a
file past a sensible size, and lists an organiser can grow shown a page at a time.

Telegram refuses a message over 4,096 characters (the organiser used to get 抱歉，出了点问题
for /stats with 300 teams). :func:`split_text` cuts between lines; :func:`send_text` sends
the parts, or one ``.txt`` file when there would be more than :data:`MAX_PARTS`;
:func:`paginate` cuts a list into pages that each fit, and :func:`page_row` gives the
◀ 2/12 ▶ buttons that flip them in place.
"""

from __future__ import annotations

import html
import re
from contextlib import suppress
from typing import Annotated, Any, Literal

from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, Message
from pydantic import Field

from bot.callbacks import RowId
from i18n import t

LIMIT = 4096
MAX_PARTS = 4  # more messages than this is a wall: send a file instead
PAGE_LINES = 25
PAGE_CHARS = 3500  # a page's lines; the title and the page number fit in the rest
_TAG = re.compile(r"<[^>]+>")
ListKind = Literal["competitions", "stats", "teams", "audit", "organisers", "schedules"]


class PageCb(CallbackData, prefix="pg"):
    """Page ``page`` of list ``kind`` (``arg``: the competition, for /stats)."""

    kind: ListKind
    arg: RowId = 0
    page: Annotated[int, Field(ge=0, le=99_999)] = 0


def split_text(text: str, limit: int = LIMIT) -> list[str]:
    """``text`` in parts of at most ``limit`` characters, cut between lines (a line longer
    than ``limit`` on its own is cut inside)."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        if current and len(current) + 1 + len(line) > limit:
            parts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current or not parts:
        parts.append(current)
    return parts


def plain(text: str) -> str:
    """HTML message text as plain text (for a file)."""
    return html.unescape(_TAG.sub("", text))


async def send_text(
    message: Message, text: str, *, filename: str = "list.txt", caption: str = "", **kwargs: Any
) -> None:
    """Answer ``message`` with ``text`` in as many messages as it needs (keyboard on the
    last), or as a file when that would be more than :data:`MAX_PARTS` messages."""
    parts = split_text(text)
    if len(parts) > MAX_PARTS:
        document = BufferedInputFile(plain(text).encode("utf-8-sig"), filename=filename)
        kwargs.pop("disable_web_page_preview", None)
        await message.answer_document(document, caption=caption or None, **kwargs)
        return
    markup = kwargs.pop("reply_markup", None)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await message.answer(part, reply_markup=markup if last else None, **kwargs)


def paginate(
    lines: list[str], *, max_lines: int = PAGE_LINES, max_chars: int = PAGE_CHARS
) -> list[list[str]]:
    """Lines cut into pages of at most ``max_lines`` lines and ``max_chars`` characters."""
    pages: list[list[str]] = [[]]
    size = 0
    for line in lines:
        line = line[:max_chars]
        if pages[-1] and (len(pages[-1]) >= max_lines or size + len(line) + 1 > max_chars):
            pages.append([])
            size = 0
        pages[-1].append(line)
        size += len(line) + 1
    return pages


def page_text(title: str, pages: list[list[str]], page: int, lang: str) -> tuple[str, int]:
    """The title, page ``page`` (clamped) and, when there are several, 第 2/12 页."""
    page = min(max(page, 0), len(pages) - 1)
    return titled(title, pages[page], page, len(pages), lang), page


def titled(title: str, lines: list[str], page: int, pages: int, lang: str) -> str:
    """One page of a list: its title, its lines, and 第 2/12 页 when there are several."""
    footer = [t("admin.page.number", lang, page=page + 1, pages=pages)] if pages > 1 else []
    return "\n".join([title, *lines, *footer])


def page_row(
    kind: ListKind, page: int, pages: int, lang: str, arg: int = 0
) -> list[InlineKeyboardButton]:
    """◀ previous · next ▶ (only the ones that lead somewhere)."""
    row = []
    if page > 0:
        row.append(
            InlineKeyboardButton(
                text=t("admin.page.previous", lang),
                callback_data=PageCb(kind=kind, arg=arg, page=page - 1).pack(),
            )
        )
    if page < pages - 1:
        row.append(
            InlineKeyboardButton(
                text=t("admin.page.next", lang),
                callback_data=PageCb(kind=kind, arg=arg, page=page + 1).pack(),
            )
        )
    return row


def with_pages(
    rows: list[list[InlineKeyboardButton]],
    kind: ListKind,
    page: int,
    pages: int,
    lang: str,
    arg: int = 0,
) -> InlineKeyboardMarkup | None:
    """``rows`` and, under them, the paging buttons (None when there is nothing to press)."""
    paging = page_row(kind, page, pages, lang, arg)
    keyboard = [r for r in rows if r] + ([paging] if paging else [])
    return InlineKeyboardMarkup(inline_keyboard=keyboard) if keyboard else None


async def show_page(
    message: Message, text: str, markup: InlineKeyboardMarkup | None, *, edit: bool
) -> None:
    """A page in a new message, or (flipping pages) in place of the one shown."""
    if edit:
        with suppress(TelegramBadRequest):  # "message is not modified": the same page again
            await message.edit_text(text, reply_markup=markup, disable_web_page_preview=True)
        return
    await message.answer(text, reply_markup=markup, disable_web_page_preview=True)
