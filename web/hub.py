"""The screen hub: one board per competition, computed once per change, fanned out to every
big screen showing it over server-sent events.

While a competition has at least one screen open, its feed looks every ``interval`` seconds
at a cheap fingerprint of the standings (:func:`contest.big_screen.board_fingerprint`, one short
read transaction, no connection held in between); only when it moved is the board read and
encoded, once, and the same bytes are queued to every subscriber. Five hundred screens cost
what one does. Movement arrows and the ticker (第 100 位参赛者, a new leader) come from
comparing consecutive boards; they live in memory, so after a restart the first board is the
new baseline and nothing is announced twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from contest.big_screen import ScreenBoard, ScreenToken, board_fingerprint, screen_board
from contest.score_text import score_figure
from i18n import DEFAULT_LANG, LANGUAGES, t
from storage.types import Clock, utcnow

logger = logging.getLogger(__name__)

MILESTONES = (1, 10, 50, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10000, 20000, 50000)
MOVE_SHOWN = timedelta(seconds=90)  # how long an arrow stays beside a row that moved
TICKER_SIZE = 8
TOKEN_CHECK = timedelta(seconds=5)
QUEUE_SIZE = 4
MIN_GAP = 0.15
REVOKED = b"event: revoked\ndata: {}\n\n"
CLOSING = b""  # the server is stopping: the handler ends, the browser reconnects


@dataclass(eq=False)
class Subscription:
    token: str
    queue: asyncio.Queue[bytes] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def offer(self, message: bytes) -> None:
        """Queue ``message``; a screen that fell behind skips to the newest board."""
        while True:
            try:
                self.queue.put_nowait(message)
                return
            except asyncio.QueueFull:
                with contextlib.suppress(asyncio.QueueEmpty):
                    self.queue.get_nowait()


class Feed:
    """What a hub's feed shares: its subscribers (each with whether it sees the privileged
    view), the task that reads while anyone watches, and the poke that wakes it."""

    def __init__(self) -> None:
        self.subscribers: dict[Subscription, bool] = {}
        self.task: asyncio.Task[None] | None = None
        self.changed = asyncio.Event()

    def latest(self, privileged: bool) -> bytes | None:
        """The newest message for a new subscriber, if one was read yet."""
        raise NotImplementedError

    async def run(self) -> None:
        raise NotImplementedError


FeedT = TypeVar("FeedT", bound=Feed)


class Hub(Generic[FeedT]):
    """All the feeds of one kind in this process; handlers subscribe, the feeds read."""

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], *, interval: float, clock: Clock
    ) -> None:
        self.session_factory = session_factory
        self.interval = interval
        self.clock = clock
        self.feeds: dict[int, FeedT] = {}
        self.closed = False

    def new_feed(self, key: int) -> FeedT:
        raise NotImplementedError

    def feed(self, key: int) -> FeedT:
        found = self.feeds.get(key)
        if found is None:
            found = self.feeds[key] = self.new_feed(key)
        return found

    @contextlib.asynccontextmanager
    async def _subscribe(
        self, key: int, sub: Subscription, privileged: bool = False
    ) -> AsyncIterator[Subscription]:
        feed = self.feed(key)
        feed.subscribers[sub] = privileged
        latest = feed.latest(privileged)
        if latest is not None:
            sub.offer(latest)
        if feed.task is None or feed.task.done():
            feed.task = asyncio.create_task(feed.run())
        try:
            yield sub
        finally:
            feed.subscribers.pop(sub, None)

    async def close(self, *_: object) -> None:
        """The server stops: every stream ends (browsers reconnect on their own)."""
        self.closed = True
        for feed in self.feeds.values():
            for sub in list(feed.subscribers):
                sub.offer(CLOSING)
            if feed.task is not None:
                feed.task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await feed.task


class BoardFeed(Feed):
    """One competition's live board and the screens that show it."""

    def __init__(self, hub: ScreenHub, competition_id: int) -> None:
        super().__init__()
        self.hub = hub
        self.competition_id = competition_id
        self.message: bytes | None = None
        self.payload: dict[str, Any] | None = None
        self.seq = 0
        self.fingerprint: tuple[object, ...] | None = None
        self.ranks: dict[str, int] = {}
        self.moves: dict[str, tuple[int | str, datetime]] = {}
        self.ticker: deque[dict[str, str]] = deque(maxlen=TICKER_SIZE)
        self.leaders: dict[str, str] = {}
        self.participants = -1
        self.tokens_checked: datetime | None = None

    def latest(self, privileged: bool) -> bytes | None:
        return self.message

    # -- the loop ---------------------------------------------------------------------------
    async def run(self) -> None:
        while self.subscribers and not self.hub.closed:
            try:
                await self.step()
            except Exception:
                logger.exception("screen board of competition %s failed", self.competition_id)
            # A poke cuts the wait short, but never below MIN_GAP: a crowd answering at
            # once costs a few reads a second, not one per answer.
            await asyncio.sleep(MIN_GAP)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), self.hub.interval - MIN_GAP)
            self.changed.clear()

    async def step(self) -> bool:
        """Look once; when the board moved, read it, encode it and queue it to every screen."""
        now = self.hub.clock()
        async with self.hub.session_factory() as session:
            await self._check_tokens(session, now)
            fingerprint = await board_fingerprint(session, competition_id=self.competition_id)
            if fingerprint == self.fingerprint and self.message is not None:
                return False
            board = await screen_board(session, competition_id=self.competition_id)
        self.fingerprint = fingerprint
        self.publish(board, now)
        return True

    async def _check_tokens(self, session: AsyncSession, now: datetime) -> None:
        if self.tokens_checked is not None and now - self.tokens_checked < TOKEN_CHECK:
            return
        self.tokens_checked = now
        rows = await session.execute(
            select(col(ScreenToken.token)).where(
                col(ScreenToken.competition_id) == self.competition_id,
                col(ScreenToken.revoked_at).is_(None),
            )
        )
        live = set(rows.scalars())
        for sub in list(self.subscribers):
            if sub.token not in live:
                sub.offer(REVOKED)

    # -- one board --------------------------------------------------------------------------
    def publish(self, board: ScreenBoard, now: datetime) -> None:
        first = self.message is None
        self.seq += 1
        self.payload = self._payload(board, now, first=first)
        data = json.dumps(self.payload, ensure_ascii=False, separators=(",", ":"))
        self.message = f"id: {self.seq}\nevent: board\ndata: {data}\n\n".encode()
        for sub in list(self.subscribers):
            sub.offer(self.message)

    def _payload(self, board: ScreenBoard, now: datetime, *, first: bool) -> dict[str, Any]:
        # Scores as the chat shows them: precision, a worker's as 百分制 ("92.5%" in either
        # language, so the screen's one payload serves both).
        style = board.style
        people = [
            {
                "rank": p.rank,
                "name": p.name,
                "team": p.team,
                "score": score_figure(p.score, DEFAULT_LANG, style),
                "move": self._move(f"w{p.worker_id}", p.rank, now, first),
            }
            for p in board.individuals
        ]
        teams = [
            {
                "rank": tm.rank,
                "label": tm.label,
                "score": style.number(tm.score),
                "participants": tm.participants,
                "registered": tm.registered,
                "rate": round(100 * tm.participants / tm.registered) if tm.registered else 0,
                "move": self._move(f"t{tm.team_id}", tm.rank, now, first),
            }
            for tm in board.teams
        ]
        self._milestones(board, now, first=first)
        return {
            "seq": self.seq,
            "now": now.isoformat(),
            "title": board.title,
            "status": board.status.value,
            "starts_at": board.starts_at.isoformat(),
            "ends_at": board.ends_at.isoformat(),
            "participants": board.participants,
            "registered": board.registered,
            "people": people,
            "teams": teams,
            "idle": board.idle_teams,
            "ticker": list(self.ticker),
        }

    def _move(self, key: str, rank: int | None, now: datetime, first: bool) -> int | str:
        """Places gained (+) or lost (-) lately, "new" for a row that just arrived, else 0."""
        before = self.ranks.get(key)
        if rank is None:
            return 0
        self.ranks[key] = rank
        if not first and before is None:
            self.moves[key] = ("new", now + MOVE_SHOWN)
        elif before is not None and before != rank:
            self.moves[key] = (before - rank, now + MOVE_SHOWN)
        move = self.moves.get(key)
        if move is None or move[1] < now:
            self.moves.pop(key, None)
            return 0
        return move[0]

    def _milestones(self, board: ScreenBoard, now: datetime, *, first: bool) -> None:
        stamp = now.isoformat()
        crossed = [m for m in MILESTONES if self.participants < m <= board.participants]
        if not first and crossed:
            self._say(stamp, "web.ticker.participants", n=crossed[-1])
        self.participants = board.participants
        leaders = {}
        if board.teams and board.teams[0].rank == 1:
            leaders["team"] = board.teams[0].label
        if board.individuals and board.individuals[0].rank == 1:
            leaders["person"] = board.individuals[0].name
        for kind, name in leaders.items():
            if not first and self.leaders.get(kind) not in (None, name):
                self._say(stamp, f"web.ticker.{kind}_leads", name=name)
        self.leaders = leaders

    def _say(self, stamp: str, key: str, **params: Any) -> None:
        texts = {lang: t(key, lang, **params) for lang in LANGUAGES}
        self.ticker.appendleft({"at": stamp, **texts})


class ScreenHub(Hub[BoardFeed]):
    """The big screens' boards of this process."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        interval: float = 0.5,
        clock: Clock = utcnow,
    ) -> None:
        super().__init__(session_factory, interval=interval, clock=clock)

    def new_feed(self, key: int) -> BoardFeed:
        return BoardFeed(self, key)

    @property
    def viewers(self) -> int:
        return sum(len(feed.subscribers) for feed in self.feeds.values())

    def subscribe(
        self, competition_id: int, *, token: str
    ) -> AbstractAsyncContextManager[Subscription]:
        return self._subscribe(competition_id, Subscription(token))

    async def snapshot(self, competition_id: int) -> dict[str, Any] | None:
        """The current board for a page's first paint (read now when no feed has it yet)."""
        feed = self.feed(competition_id)
        if feed.payload is None:
            await feed.step()
        return feed.payload

    def poke(self, competition_id: int | None = None) -> None:
        """Something changed (an answer from a browser): look now, not at the next tick.
        Without a competition, every feed looks (a fingerprint read each)."""
        feeds = self.feeds.values() if competition_id is None else [self.feeds.get(competition_id)]
        for feed in feeds:
            if feed is not None:
                feed.changed.set()
