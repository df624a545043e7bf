"""What the 企业微信 self-built app sends from the outbox: the close's messages to a member
(应用消息). A text goes as ``text`` (WeCom shows no Markdown in its ``text``, but links as
``<a href>``: a note's button is such a link), cut at line ends into WeCom's 2048 bytes; a
picture is uploaded (``media/upload``) and sent as ``image``. The app has no groups here:
its group robots are webhooks (``scheduler.delivery.wecom``)."""

from __future__ import annotations

import html
import re

from chat.app_outbox import Outgoing, Target
from chat.wecom.api import TEXT_BYTES, WeComApi

_TAG = re.compile(r"<[^>]+>")


def text_of(telegram_html: str) -> str:
    """A queued text (Telegram HTML) as WeCom's plain text: tags go, entities are decoded."""
    return html.unescape(_TAG.sub("", telegram_html)).strip()


def pieces(text: str, limit: int = TEXT_BYTES) -> list[str]:
    """``text`` in as few pieces of at most ``limit`` UTF-8 bytes as fit, cut at line ends
    (a line longer than that is cut at a character)."""
    out: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line.encode()) > limit:
            cut = limit
            while len(line[:cut].encode()) > limit:
                cut -= 1
            if current:
                out.append(current)
                current = ""
            out.append(line[:cut])
            line = line[cut:]
        joined = f"{current}\n{line}" if current else line
        if len(joined.encode()) > limit:
            out.append(current)
            current = line
        else:
            current = joined
    if current:
        out.append(current)
    return out


class WeComSender:
    def __init__(self, api: WeComApi) -> None:
        self.api = api

    async def deliver(self, target: Target, out: Outgoing) -> None:
        if target.group:
            raise ValueError("the WeCom app is not in any group here")
        if out.kind == "photo":
            if out.picture:
                media = await self.api.upload_image(out.picture, filename=f"qq{out.id}.png")
                await self.api.send_image(user_id=target.to, media_id=media)
            return
        text = text_of(out.text)
        if out.kind == "note":
            link = f'<a href="{html.escape(out.url)}">{html.escape(out.label)}</a>'
            text = f"{text}\n\n{link}"
        for piece in pieces(text):
            await self.api.send_text(user_id=target.to, text=piece)
