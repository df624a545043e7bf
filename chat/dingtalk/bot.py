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

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chat.cards import Card, parse_action
from chat.dingtalk.api import DingTalkApi
from chat.dingtalk.send import DingTalkSender
from chat.dingtalk.stream import BOT_TOPIC, CARD_TOPIC
from chat.edge import Account, Edge
from chat.flow import Incoming, Reply
from chat.groups import remember_group
from chat.inbox import Event
from storage.types import Clock, utcnow

logger = logging.getLogger(__name__)

PLATFORM = "dingtalk"
GROUP_PREFIX = "g"  # the cardBizId of a card sent into a group starts so


@dataclass(frozen=True)
class Parsed:
    """A frame as the bot reads it: who, what, and where the answer goes."""

    user_id: str
    incoming: Incoming
    card_id: str | None = None  # the tapped card (updated in place)
    group: str | None = None  # the group conversation it came from
    group_title: str = ""


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


class DingTalkBot:
    """The intake's handler for DingTalk events."""

    def __init__(
        self,
        api: DingTalkApi,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        tz: str,
        clock: Clock = utcnow,
        slots: int = 4,
        admins: frozenset[str] = frozenset(),
    ) -> None:
        self.api, self.session_factory, self.clock = api, session_factory, clock
        self.deliver = DingTalkSender(api).deliver  # the outbox's rows (chat.dingtalk.send)
        self.edge = Edge(
            session_factory, directory=api.user, tz=tz, clock=clock, slots=slots, admins=admins
        )

    async def handle(self, event: Event) -> None:
        parsed = parse(event.payload, event.seq)
        if parsed is None:
            return
        if parsed.group is not None:
            await remember_group(
                self.session_factory,
                platform=PLATFORM,
                conversation_id=parsed.group,
                title=parsed.group_title,
            )
        outcome = await self.edge.turn(
            Account(PLATFORM, parsed.user_id), parsed.incoming, received_at=event.received_at
        )
        try:
            for i, reply in enumerate(outcome.replies):
                await self._send(reply, parsed, biz_id=f"qq{event.seq}n{i}")
        except Exception:
            await self.edge.undelivered(outcome.replies)
            raise
        await self.edge.delivered(outcome.replies, at=self.clock())

    async def _send(self, reply: Reply, parsed: Parsed, *, biz_id: str) -> None:
        params = render(reply.card)
        in_group = parsed.card_id is not None and parsed.card_id.startswith(GROUP_PREFIX)
        if reply.edit and parsed.card_id and not in_group:
            await self.api.update_card(biz_id=parsed.card_id, params=params)
        else:
            await self.api.send_card(biz_id=biz_id, params=params, user_id=parsed.user_id)
