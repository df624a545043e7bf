"""Our announcements are Telegram HTML (<b>, <i>, <a>, <code>, escaped text); the robots read
markdown (WeCom, DingTalk) or rich-text paragraphs (Feishu). These turn one into the other."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.S)
_BOLD = re.compile(r"</?(b|strong)>")
_ITALIC = re.compile(r"</?(i|em)>")
_TAG = re.compile(r"<[^>]+>")


def to_markdown(text: str) -> str:
    """Telegram HTML as markdown: **bold**, *italic*, [text](url), other tags dropped."""
    text = _LINK.sub(lambda m: f"[{_TAG.sub('', m.group(2))}]({m.group(1)})", text)
    text = _BOLD.sub("**", text)
    text = _ITALIC.sub("*", text)
    return html.unescape(_TAG.sub("", text))


def to_plain(text: str) -> str:
    text = _LINK.sub(lambda m: f"{_TAG.sub('', m.group(2))} {m.group(1)}", text)
    return html.unescape(_TAG.sub("", text))


@dataclass(frozen=True)
class Piece:
    """A run of a line: text, or a link (``href``)."""

    text: str
    href: str | None = None


def to_paragraphs(text: str) -> list[list[Piece]]:
    """One list of pieces per line, links kept as links (Feishu's ``post`` content)."""
    out: list[list[Piece]] = []
    for line in text.split("\n"):
        pieces: list[Piece] = []
        at = 0
        for match in _LINK.finditer(line):
            before = html.unescape(_TAG.sub("", line[at : match.start()]))
            if before:
                pieces.append(Piece(before))
            pieces.append(Piece(html.unescape(_TAG.sub("", match.group(2))), match.group(1)))
            at = match.end()
        rest = html.unescape(_TAG.sub("", line[at:]))
        if rest or not pieces:
            pieces.append(Piece(rest))
        out.append(pieces)
    return out


def fit_bytes(text: str, limit: int) -> str:
    """Whole lines from the end dropped until ``text`` is at most ``limit`` UTF-8 bytes."""
    while len(text.encode()) > limit and "\n" in text:
        text = text.rsplit("\n", 1)[0]
    return text.encode()[:limit].decode(errors="ignore")
