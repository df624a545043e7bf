"""The DingTalk bot (钉钉): Stream frames → the inbox → one turn each → cards back.

A robot message (单聊, or a group message that @-mentions the app) and a card tap are parsed
into an :class:`chat.flow.Incoming`; the turn (:class:`chat.edge.Edge`) answers with cards,
sent as cards of the app's template (卡片平台) through the OpenAPI. A tap on a card in a
private chat updates that card in place. Whatever is said in a group (an @-mention of the
app, a tap on an announcement card) is answered in the worker's private chat: a group card
is everyone's, and a worker's quiz goes on where only they see it. A group the app is
@-mentioned in is remembered for announcements (:mod:`chat.groups`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from chat.app_outbox import Outgoing, Target
from chat.cards import Card, parse_action
from chat.dingtalk.api import DingTalkApi
from chat.dingtalk.send import DingTalkSender
from chat.dingtalk.stream import BOT_TOPIC, CARD_TOPIC
from chat.edge import Heard, MessengerBot
from chat.flow import Incoming, Reply
from chat.inbox import Event

logger = logging.getLogger(__name__)

PLATFORM = "dingtalk"
GROUP_PREFIX = "g"  # the cardBizId of a card sent into a group starts so


@dataclass(frozen=True)
class Parsed(Heard):
    """A frame as the bot reads it: who, what, and where the answer goes."""

    card_id: str | None = None  # the tapped card (updated in place)


def order_key(payload: dict[str, Any]) -> str:
    """The user whose events are handled in order."""
    data = payload.get("data") or {}
    return str(data.get("senderStaffId") or data.get("userId") or payload.get("id"))


def parse(payload: dict[str, Any], seq: int) -> Parsed | None:
    """A stored frame ({topic, data}) → what the bot acts on; None for anything else."""
    topic, data = payload.get("topic"), payload.get("data") or {}
    if topic == BOT_TOPIC:
        user = str(data.get("senderStaffId") or "")
        text = str((data.get("text") or {}).get("content") or "").strip()
        if not user or data.get("msgtype") != "text":
            return None
        group = (
            str(data.get("conversationId")) if str(data.get("conversationType")) == "2" else None
        )
        return Parsed(
            user,
            Incoming(text=text, seq=seq, group=group),
            group=group,
            group_title=str(data.get("conversationTitle") or ""),
        )
    if topic == CARD_TOPIC:
        user, card = str(data.get("userId") or ""), str(data.get("outTrackId") or "")
        action = parse_action(_action_token(data))
        if not user or action is None:
            return None
        return Parsed(user, Incoming(action=action, seq=seq), card_id=card)
    return None


def _action_token(data: dict[str, Any]) -> str:
    """The tapped button's action: its ``actionIds`` (our buttons' ids are the tokens)."""
    content = data.get("content")
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            return ""
    private = (content or {}).get("cardPrivateData") or {}
    params = private.get("params") or {}
    ids = private.get("actionIds") or []
    return str(params.get("action") or (ids[0] if ids else ""))


def render(card: Card) -> dict[str, str]:
    """The card's data for the app's template: ``title``, ``text`` (Markdown) and
    ``buttons``, a JSON list of {text, action, type} the template loops over (each button
    sends back its ``action``; see docs/deploy.md for the template)."""
    buttons = [
        {"text": b.label, "action": b.action.token, "type": "primary" if b.primary else "default"}
        for b in card.buttons
    ]
    return {
        "title": card.title[:40],
        "text": card.text,
        "buttons": json.dumps(buttons, ensure_ascii=False),
    }


class DingTalkBot(MessengerBot[DingTalkApi, Parsed]):
    """The intake's handler for DingTalk events."""

    platform = PLATFORM

    def hear(self, event: Event) -> Parsed | None:
        return parse(event.payload, event.seq)

    async def send(self, reply: Reply, heard: Parsed, *, key: str) -> None:
        params = render(reply.card)
        in_group = heard.card_id is not None and heard.card_id.startswith(GROUP_PREFIX)
        if reply.edit and heard.card_id and not in_group:
            await self.api.update_card(biz_id=heard.card_id, params=params)
        else:
            await self.api.send_card(biz_id=key, params=params, user_id=heard.user_id)

    async def deliver(self, target: Target, out: Outgoing) -> None:
        """An outbox row through the app (:mod:`chat.dingtalk.send`)."""
        await DingTalkSender(self.api).deliver(target, out)
