"""Feishu's long connection (长连接): the bot opens it, so no public callback address is needed
(self-built apps only; with several connections each event goes to one of them).

The protocol, as the official SDK speaks it: ``POST /callback/ws/endpoint`` → a ``wss://`` URL
carrying ``device_id`` and ``service_id``; binary protobuf frames (:mod:`chat.feishu.frames`):
a control frame ``ping`` every ``PingInterval`` seconds (the server answers ``pong``, perhaps
with new settings), data frames of ``type`` ``event`` carrying an event's JSON (split over
``sum`` frames when large). A data frame is answered with itself, payload ``{"code": 200}``,
within 3 seconds or Feishu delivers the event again; here it is answered as soon as
:func:`take` has stored the event, and handled afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from chat.connection import Reconnecting
from chat.feishu.api import FeishuApi
from chat.feishu.frames import CONTROL, DATA, Frame, decode, encode

logger = logging.getLogger(__name__)

Take = Callable[[str, dict[str, Any]], Awaitable[None]]
"""Store one event durably: (event id, event JSON); raises when it could not."""
PING_SECONDS = 120.0


class LongConnection(Reconnecting):
    name = "feishu long connection"

    def __init__(self, api: FeishuApi, take: Take, *, max_delay: float = 60.0) -> None:
        super().__init__(max_delay=max_delay)
        self.api, self.take = api, take
        self.ping_seconds = PING_SECONDS
        self._parts: dict[str, list[bytes | None]] = {}

    async def connect(self) -> None:
        url = await self.api.endpoint()
        service = int((parse_qs(urlsplit(url).query).get("service_id") or ["0"])[0])
        async with self.api.session().ws_connect(url) as ws:
            self._ws = ws
            pinger = asyncio.create_task(self._ping(ws, service))
            try:
                async for message in ws:
                    if message.type is not aiohttp.WSMsgType.BINARY:
                        continue
                    try:
                        frame = decode(message.data)
                    except ValueError:
                        logger.warning("feishu: a frame that is not a frame")
                        continue
                    if frame.method == CONTROL:
                        self._control(frame)
                    elif frame.method == DATA:
                        self.spawn(self._data(ws, frame))
            finally:
                pinger.cancel()
                self._ws = None

    async def _ping(self, ws: aiohttp.ClientWebSocketResponse, service: int) -> None:
        while not ws.closed:
            ping = Frame(service=service, method=CONTROL, headers=[("type", "ping")])
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_bytes(encode(ping))
            await asyncio.sleep(self.ping_seconds)

    def _control(self, frame: Frame) -> None:
        if frame.header("type") == "pong" and frame.payload:
            with contextlib.suppress(ValueError, TypeError):
                config = json.loads(frame.payload)
                self.ping_seconds = float(config.get("PingInterval") or self.ping_seconds)

    async def _data(self, ws: aiohttp.ClientWebSocketResponse, frame: Frame) -> None:
        payload = self._whole(frame)
        if payload is None:  # more parts to come: the last one is answered (as the SDK does)
            return
        try:
            event = json.loads(payload)
            event_id = str(event["header"]["event_id"])
        except (ValueError, KeyError, TypeError):
            logger.warning("feishu: a %s frame without an event", frame.header("type"))
            await _answer(ws, frame)
            return
        try:
            await self.take(event_id, event)
        except Exception:  # not stored: no answer, Feishu delivers it again
            logger.exception("feishu event %s not stored; left unanswered", event_id)
            return
        await _answer(ws, frame)

    def _whole(self, frame: Frame) -> bytes | None:
        """The event's payload once every part of it has come."""
        total = int(frame.header("sum", "1") or 1)
        if total <= 1:
            return frame.payload
        message_id, seq = frame.header("message_id"), int(frame.header("seq", "0") or 0)
        parts = self._parts.setdefault(message_id, [None] * total)
        if 0 <= seq < total:
            parts[seq] = frame.payload
        if any(part is None for part in parts):
            return None
        del self._parts[message_id]
        return b"".join(part for part in parts if part is not None)


async def _answer(ws: aiohttp.ClientWebSocketResponse, frame: Frame) -> None:
    reply = Frame(
        frame.seq_id,
        frame.log_id,
        frame.service,
        frame.method,
        list(frame.headers),
        json.dumps({"code": 200}).encode(),
        frame.payload_encoding,
        frame.payload_type,
        frame.log_id_new,
    )
    with contextlib.suppress(ConnectionError, RuntimeError):
        await ws.send_bytes(encode(reply))
