"""What the fake messenger platforms (DingTalk, Feishu) share: an aiohttp test server with the
platform's routes, the one socket events are pushed on (sent again on the next connection
until answered), the cards each user sees, and per-second call windows for the limits the
platforms state. A subclass adds its routes, its frames and its JSON."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from aiohttp import web
from aiohttp.test_utils import TestServer

ButtonT = TypeVar("ButtonT")
CardT = TypeVar("CardT", bound="SeenCard[Any]")


@dataclass
class SeenCard(Generic[ButtonT]):
    """A card as a user sees it now (its latest update); a button carries what a tap sends."""

    id: str
    to: str  # the user, or the group
    title: str
    text: str
    buttons: list[tuple[str, ButtonT]]
    updates: int = 0

    def button(self, label_part: str) -> ButtonT:
        for label, value in self.buttons:
            if label_part in label:
                return value
        raise AssertionError(f"no button {label_part!r} on {self.title!r}: {self.buttons}")


@dataclass
class FakeMessenger(Generic[CardT]):
    users: dict[str, dict[str, str]] = field(default_factory=dict)
    cards: dict[str, CardT] = field(default_factory=dict)
    by_user: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    throttled: int = 0

    def __post_init__(self) -> None:
        self.server: TestServer | None = None
        self.token = uuid.uuid4().hex
        self._ws: web.WebSocketResponse | None = None
        self._windows: dict[str, deque[float]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self.connected = asyncio.Event()

    # --- running -------------------------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> str:
        app = web.Application()
        self.routes(app)
        self.server = TestServer(app)
        await self.server.start_server()
        return str(self.server.make_url("")).rstrip("/")

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self.server is not None:
            await self.server.close()

    def socket_url(self, path: str) -> str:
        assert self.server is not None
        return str(self.server.make_url(path)).replace("http://", "ws://")

    # --- what people see -----------------------------------------------------------------
    def seen(self, user_id: str) -> list[CardT]:
        return [self.cards[card_id] for card_id in self.by_user[user_id]]

    def last(self, user_id: str) -> CardT:
        return self.seen(user_id)[-1]

    def show(self, card: CardT, *, updated: CardT | None = None) -> None:
        """A card sent (the same id again is the same card) or, given ``updated``, its
        latest form."""
        if updated is not None:
            card.updates = updated.updates + 1
        elif card.id not in self.cards:
            self.by_user[card.to].append(card.id)
        self.cards[card.id] = card

    # --- the socket ----------------------------------------------------------------------
    async def push(self, data: Iterable[str | bytes]) -> None:
        """Send an event's frames on the socket, once a client is connected."""
        await self.connected.wait()
        assert self._ws is not None
        await _send(self._ws, data)

    async def serve_socket(
        self,
        request: web.Request,
        unanswered: Iterable[Iterable[str | bytes]],
        answer: Callable[[web.WebSocketResponse, Any], Awaitable[None]],
    ) -> web.WebSocketResponse:
        """One client connection: what was never answered goes again, then each message the
        client sends is read by ``answer`` until it goes away."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        for data in list(unanswered):
            await _send(ws, data)
        self.connected.set()
        async for message in ws:
            await answer(ws, message)
        if self._ws is ws:
            self._ws = None
            self.connected.clear()
        return ws

    @staticmethod
    async def until(done: Callable[[], bool], what: str, *, within: float = 30.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not done():
            if loop.time() > deadline:
                raise TimeoutError(f"{what} not answered")
            await asyncio.sleep(0.005)

    # --- limits --------------------------------------------------------------------------
    def admit(self, key: str, rate: int) -> int | None:
        """A call counted against ``key``'s limit of ``rate`` a second: how many it makes in
        the last second, or None (and counted as throttled) when it is one too many."""
        window, now = self._windows[key], time.monotonic()
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= rate:
            self.throttled += 1
            return None
        window.append(now)
        return len(window)


async def _send(ws: web.WebSocketResponse, data: Iterable[str | bytes]) -> None:
    for part in data:
        if isinstance(part, str):
            await ws.send_str(part)
        else:
            await ws.send_bytes(part)
