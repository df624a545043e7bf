"""What the Feishu app sends from the outbox (飞书), into a group or to a worker's private
chat with the app, each message with a ``uuid`` from its row so a resend is the same one:
a picture is uploaded (``im/v1/images`` → ``image_key``) and sent as an ``image`` message;
a text is a card; a note is a card whose button opens its link (``multi_url``: the same
address on phones and desktops)."""

from __future__ import annotations

from typing import Any

from chat.app_outbox import Outgoing, Target
from chat.cards import Card
from chat.feishu.api import FeishuApi
from chat.feishu.render import render
from chat.texts import plain

DEFAULT_TITLE = "质量知识竞赛"


def link_card(title: str, text: str, *, label: str, url: str) -> dict[str, Any]:
    """A card with the text and one button that opens ``url``."""
    card = render(Card(title, text))
    button = {
        "tag": "button",
        "text": {"tag": "plain_text", "content": label},
        "type": "primary",
        "multi_url": {"url": url, "android_url": url, "ios_url": url, "pc_url": url},
    }
    card["elements"].append({"tag": "action", "actions": [button]})
    return card


class FeishuSender:
    def __init__(self, api: FeishuApi) -> None:
        self.api = api

    async def deliver(self, target: Target, out: Outgoing) -> None:
        to = {"chat_id": target.to} if target.group else {"open_id": target.to}
        if out.kind == "photo" and out.picture:
            key = await self.api.upload_image(out.picture)
            await self.api.send_image(uuid=f"ob{out.id}p", image_key=key, **to)
            if not target.group:  # the caption is the competition's name: the picture says it
                return
        text = plain(out.text).strip()
        if not text:
            return
        title = text.splitlines()[0].strip("*# ")[:30] or DEFAULT_TITLE
        if out.kind == "note":
            card = link_card(title, text, label=out.label, url=out.url)
        else:
            card = render(Card(title, text))
        await self.api.send_card(uuid=f"ob{out.id}t", card=card, **to)
