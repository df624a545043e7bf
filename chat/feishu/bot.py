"""The Feishu bot (飞书): long-connection events → the inbox → one turn each → cards back.

``im.message.receive_v1`` (a text in the private chat, or a group message @-mentioning the
app) and ``card.action.trigger`` (a button on one of our cards) are parsed into a
:class:`chat.flow.Incoming`; the turn (:class:`chat.edge.Edge`) answers with cards. A tap
on a card in the private chat updates that card in place (``PATCH``, at most five times a
second per card); whatever comes from a group is answered in the worker's private chat,
and the group is remembered for announcements.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from chat.app_outbox import Outgoing, Target
from chat.cards import parse_action
from chat.edge import Heard, MessengerBot
from chat.feishu.api import FeishuApi
from chat.feishu.render import render
from chat.feishu.send import FeishuSender
from chat.flow import Incoming, Reply
from chat.inbox import Event

logger = logging.getLogger(__name__)

PLATFORM = "feishu"
MESSAGE = "im.message.receive_v1"
CARD_ACTION = "card.action.trigger"


@dataclass(frozen=True)
class Parsed(Heard):
    message_id: str | None = None  # the tapped card's message
    in_group: bool = False


def order_key(payload: dict[str, Any]) -> str:
    event = payload.get("event") or {}
    sender = ((event.get("sender") or {}).get("sender_id") or {}).get("open_id")
    return str(sender or (event.get("operator") or {}).get("open_id") or "")


def parse(payload: dict[str, Any], seq: int) -> Parsed | None:
    kind = (payload.get("header") or {}).get("event_type")
    event = payload.get("event") or {}
    if kind == MESSAGE:
        message = event.get("message") or {}
        open_id = ((event.get("sender") or {}).get("sender_id") or {}).get("open_id")
        if not open_id or message.get("message_type") != "text":
            return None
        try:
            text = str(json.loads(message.get("content") or "{}").get("text") or "")
        except ValueError:
            return None
        for mention in message.get("mentions") or []:  # "@_user_1" placeholders
            text = text.replace(str(mention.get("key") or ""), "")
        group = message.get("chat_id") if message.get("chat_type") == "group" else None
        return Parsed(
            str(open_id),
            Incoming(text=text.strip(), seq=seq, group=group),
            group=group,
            in_group=group is not None,
        )
    if kind == CARD_ACTION:
        open_id = (event.get("operator") or {}).get("open_id")
        value = (event.get("action") or {}).get("value") or {}
        action = parse_action(str(value.get("action") or "")) if isinstance(value, dict) else None
        if not open_id or action is None:
            return None
        context = event.get("context") or {}
        in_group = str(value.get("to") or "") == "group"
        return Parsed(
            str(open_id),
            Incoming(action=action, seq=seq),
            message_id=context.get("open_message_id"),
            in_group=in_group,
        )
    return None


class FeishuBot(MessengerBot[FeishuApi, Parsed]):
    """The intake's handler for Feishu events."""

    platform = PLATFORM

    def hear(self, event: Event) -> Parsed | None:
        return parse(event.payload, event.seq)

    async def send(self, reply: Reply, heard: Parsed, *, key: str) -> None:
        card = render(reply.card)
        if reply.edit and heard.message_id and not heard.in_group:
            await self.api.update_card(message_id=heard.message_id, card=card)
        else:
            await self.api.send_card(uuid=key, card=card, open_id=heard.user_id)

    async def deliver(self, target: Target, out: Outgoing) -> None:
        """An outbox row through the app (:mod:`chat.feishu.send`)."""
        await FeishuSender(self.api).deliver(target, out)
