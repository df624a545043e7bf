"""Our cards as Feishu message cards (飞书消息卡片)."""

from __future__ import annotations

from typing import Any

from chat.cards import Card


def render(card: Card, *, to_group: bool = False) -> dict[str, Any]:
    """A message card: a header, the text as Markdown, a row of buttons per row."""
    elements: list[dict[str, Any]] = [{"tag": "markdown", "content": card.text}]
    for row in card.rows:
        buttons = [
            {
                "tag": "button",
                "text": {"tag": "plain_text", "content": b.label},
                "type": "primary" if b.primary else "default",
                "value": {"action": b.action.token, **({"to": "group"} if to_group else {})},
            }
            for b in row
        ]
        elements.append({"tag": "action", "actions": buttons})
    return {
        "config": {"wide_screen_mode": True, "update_multi": False},
        "header": {"title": {"tag": "plain_text", "content": card.title[:40]}, "template": "blue"},
        "elements": elements,
    }
