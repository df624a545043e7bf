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

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chat.cards import parse_action
from chat.edge import Account, Edge
from chat.feishu.api import FeishuApi
from chat.feishu.render import render
from chat.feishu.send import FeishuSender
from chat.flow import Incoming, Reply
from chat.groups import remember_group
from chat.inbox import Event
from storage.types import Clock, utcnow

logger = logging.getLogger(__name__)

PLATFORM = "feishu"
MESSAGE = "im.message.receive_v1"
CARD_ACTION = "card.action.trigger"


@dataclass(frozen=True)
class Parsed:
    open_id: str
    incoming: Incoming
    message_id: str | None = None  # the tapped card's message
    in_group: bool = False
    group: str | None = None


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


class FeishuBot:
    """The intake's handler for Feishu events."""

    def __init__(
        self,
        api: FeishuApi,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        tz: str,
        clock: Clock = utcnow,
        slots: int = 4,
        admins: frozenset[str] = frozenset(),
    ) -> None:
        self.api, self.session_factory, self.clock = api, session_factory, clock
        self.deliver = FeishuSender(api).deliver  # the outbox's rows (chat.feishu.send)
        self.edge = Edge(
            session_factory, directory=api.user, tz=tz, clock=clock, slots=slots, admins=admins
        )

    async def handle(self, event: Event) -> None:
        parsed = parse(event.payload, event.seq)
        if parsed is None:
            return
        if parsed.group is not None:
            await remember_group(
                self.session_factory, platform=PLATFORM, conversation_id=parsed.group, title=""
            )
        outcome = await self.edge.turn(
            Account(PLATFORM, parsed.open_id), parsed.incoming, received_at=event.received_at
        )
        try:
            for i, reply in enumerate(outcome.replies):
                await self._send(reply, parsed, uuid=f"qq{event.seq}n{i}")
        except Exception:
            await self.edge.undelivered(outcome.replies)
            raise
        await self.edge.delivered(outcome.replies, at=self.clock())

    async def _send(self, reply: Reply, parsed: Parsed, *, uuid: str) -> None:
        card = render(reply.card)
        if reply.edit and parsed.message_id and not parsed.in_group:
            await self.api.update_card(message_id=parsed.message_id, card=card)
        else:
            await self.api.send_card(uuid=uuid, card=card, open_id=parsed.open_id)
