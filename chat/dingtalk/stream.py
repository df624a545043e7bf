"""DingTalk Stream mode (Stream 模式): the bot opens the connection, so it runs behind a firewall
with no public address.

The protocol, as the official SDK speaks it: ``POST /v1.0/gateway/connections/open`` with
the app's credentials and the topics → ``endpoint`` and ``ticket``; a WebSocket to
``endpoint?ticket=…``; JSON frames ``{specVersion, type, headers, data}`` where ``type`` is
``SYSTEM`` (``ping``: answer it; ``disconnect``: the server is about to close, open a new
connection), ``EVENT`` or ``CALLBACK`` (``headers.topic`` names it: a robot message,
``/v1.0/im/bot/messages/get``, or a card tap, ``/v1.0/card/instances/callback``), and
``data`` a JSON string. Each frame is acknowledged with
``{code: 200, headers: {messageId, contentType}, message: "OK", data}``; an unacknowledged
frame is delivered again. Here a frame is acknowledged only once :func:`take` has stored it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from chat.connection import Reconnecting
from chat.dingtalk.api import DingTalkApi

logger = logging.getLogger(__name__)

BOT_TOPIC = "/v1.0/im/bot/messages/get"
CARD_TOPIC = "/v1.0/card/instances/callback"
TOPICS = [{"type": "CALLBACK", "topic": BOT_TOPIC}, {"type": "CALLBACK", "topic": CARD_TOPIC}]
Take = Callable[[str, str, dict[str, Any]], Awaitable[None]]
"""Store one frame durably: (message id, topic, data); raises when it could not."""


class StreamConnection(Reconnecting):
    """Keeps one Stream connection open, reconnecting with backoff, until :meth:`stop`."""

    name = "dingtalk stream"

    def __init__(self, api: DingTalkApi, take: Take, *, max_delay: float = 60.0) -> None:
        super().__init__(max_delay=max_delay)
        self.api, self.take = api, take
        self.connected = asyncio.Event()

    async def connect(self) -> None:
        endpoint, ticket = await self.api.open_connection(TOPICS)
        http = self.api.session()
        async with http.ws_connect(endpoint, params={"ticket": ticket}, heartbeat=60) as ws:
            self._ws = ws
            self.connected.set()
            try:
                async for message in ws:
                    if message.type is not aiohttp.WSMsgType.TEXT:
                        continue
                    try:
                        frame = json.loads(message.data)
                    except ValueError:
                        logger.warning("dingtalk stream: a frame that is not JSON")
                        continue
                    if frame.get("type") == "SYSTEM":
                        if await self._system(ws, frame):
                            break
                        continue
                    self.spawn(self._frame(ws, frame))
            finally:
                self.connected.clear()
                self._ws = None

    async def _system(self, ws: aiohttp.ClientWebSocketResponse, frame: dict[str, Any]) -> bool:
        """Answer a ping; True on ``disconnect`` (open a new connection)."""
        headers = frame.get("headers") or {}
        await _ack(ws, headers, frame.get("data") or "{}")
        return headers.get("topic") == "disconnect"

    async def _frame(self, ws: aiohttp.ClientWebSocketResponse, frame: dict[str, Any]) -> None:
        headers = frame.get("headers") or {}
        message_id, topic = str(headers.get("messageId") or ""), str(headers.get("topic") or "")
        try:
            data = json.loads(frame.get("data") or "{}")
        except ValueError:
            data = None
        if not message_id or not isinstance(data, dict):
            logger.warning("dingtalk stream: a frame without id or data (topic %s)", topic)
            await _ack(ws, headers, "{}")
            return
        try:
            await self.take(message_id, topic, data)
        except Exception:  # not stored: no acknowledgement, DingTalk delivers it again
            logger.exception("dingtalk frame %s not stored; left unacknowledged", message_id)
            return
        with contextlib.suppress(ConnectionError, RuntimeError):
            await _ack(ws, headers, json.dumps({"response": {}}))


async def _ack(ws: aiohttp.ClientWebSocketResponse, headers: dict[str, Any], data: str) -> None:
    ack = {
        "code": 200,
        "message": "OK",
        "data": data,
        "headers": {"messageId": headers.get("messageId", ""), "contentType": "application/json"},
    }
    await ws.send_str(json.dumps(ack))
