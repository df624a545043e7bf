"""The scheduler loop: lease, maintenance, due jobs, outbox delivery, until ``stop``.

Every ``tick_seconds`` (default 20) the holder of the lease syncs competition statuses,
expires overdue attempts and fires due jobs; between ticks it keeps delivering the outbox
(polling every couple of seconds, back to back while rows are waiting). Only one runner
across all processes holds the lease; the others wait and take over when it expires.

Without a Telegram bot (no BOT_TOKEN: a plant on DingTalk, Feishu or WeCom alone) it runs
the same jobs; only Telegram's outbox rows wait, unsent, for a bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from contest.signing import picture_token
from ops import metrics
from scheduler.context import JobContext, WaitingSince
from scheduler.delivery.robots import RobotSender
from scheduler.dispatch import Fired, run_due_jobs, run_maintenance
from scheduler.outbox import deliver_due, pending_count
from scheduler.timeouts import queue_timeouts
from storage.lease import acquire_lease, release_lease
from storage.types import Clock, utcnow

logger = logging.getLogger(__name__)

DEFAULT_TICK_SECONDS = 20.0
POLL_SECONDS = 2.0
DELIVERY_BATCH = 200  # ~7 s at 30/s: long enough to keep the pace, short enough to stop


class SchedulerRunner:
    """One scheduler instance; ``step`` is one pass (the loop and the tests drive it)."""

    def __init__(
        self,
        *,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        bot: Bot | None,
        clock: Clock = utcnow,
        tick_seconds: float = DEFAULT_TICK_SECONDS,
        holder: str | None = None,
        waiting_since: WaitingSince | None = None,
    ) -> None:
        self.ctx = JobContext(
            settings=settings,
            session_factory=session_factory,
            clock=clock,
            waiting_since=waiting_since,
        )
        self.bot = bot
        self.holder = holder or f"runner-{uuid.uuid4().hex[:12]}"
        self.lease_ttl = timedelta(seconds=max(3 * tick_seconds, 60.0))
        self.fired: list[Fired] = []
        self.robots = robot_sender(settings, clock=clock)
        self.next_timeouts = 0.0  # loop time of the next timeout scan

    async def hold_lease(self) -> bool:
        async with self.ctx.session_factory.begin() as session:
            return await acquire_lease(
                session, holder=self.holder, ttl=self.lease_ttl, clock=self.ctx.clock
            )

    async def step(self, *, run_jobs: bool = True) -> bool:
        """One pass; True when more outbox rows are waiting to go right away."""
        held = await self.hold_lease()
        metrics.set_lease_held(held)
        if not held:
            return False
        # Before the maintenance, which would end an overdue attempt without a word.
        await self.mark_timeouts()
        if run_jobs:
            await run_maintenance(self.ctx)
            self.fired.extend(await run_due_jobs(self.ctx))
        report = await deliver_due(
            self.ctx.session_factory,
            self.bot,
            clock=self.ctx.clock,
            limit=DELIVERY_BATCH,
            robots=self.robots,
        )
        metrics.count_delivery(
            sent=report.sent, failed=report.failed, blocked=report.blocked, retrying=report.retrying
        )
        if run_jobs or report.handled:
            async with self.ctx.session_factory() as session:
                metrics.set_outbox_backlog(await pending_count(session, clock=self.ctx.clock))
        return report.handled >= DELIVERY_BATCH

    async def mark_timeouts(self) -> None:
        """⏰ on the questions whose time ran out (at most every POLL_SECONDS: the pass runs
        back to back while the outbox is busy)."""
        now = asyncio.get_running_loop().time()
        if now < self.next_timeouts:
            return
        self.next_timeouts = now + POLL_SECONDS
        try:
            await queue_timeouts(self.ctx)
        except Exception as exc:  # the outbox must go on
            logger.exception("marking timed-out questions failed")
            metrics.count_error("timeouts", exc)

    async def release(self) -> None:
        await self.robots.close()
        async with self.ctx.session_factory.begin() as session:
            await release_lease(session, holder=self.holder, clock=self.ctx.clock)


def robot_sender(settings: Settings, *, clock: Clock = utcnow) -> RobotSender:
    """The group robots' sender: its links point at WEB_PUBLIC_URL (the big screen, and the
    announcement picture for platforms that show images by address)."""
    public = settings.web_public_url
    key = settings.web_key

    def picture_url(outbox_id: int) -> str | None:
        if not public:
            return None
        return f"{public}/robot/picture/{picture_token(key, outbox_id=outbox_id)}.png"

    return RobotSender(public_url=public, picture_url=picture_url, clock=clock)


async def run_scheduler(
    *,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    bot: Bot | None,
    stop: asyncio.Event,
    clock: Clock = utcnow,
    tick_seconds: float | None = None,
    waiting_since: WaitingSince | None = None,
) -> None:
    """Run until ``stop`` is set; a failing pass is logged and the loop goes on.
    ``waiting_since`` comes from the process's intake, where there is one."""
    tick = tick_seconds or settings.scheduler_tick_seconds
    runner = SchedulerRunner(
        settings=settings,
        session_factory=session_factory,
        bot=bot,
        clock=clock,
        tick_seconds=tick,
        waiting_since=waiting_since,
    )
    loop = asyncio.get_running_loop()
    next_tick = loop.time()
    logger.info("scheduler %s started (tick %.0fs)", runner.holder, tick)
    try:
        while not stop.is_set():
            run_jobs = loop.time() >= next_tick
            if run_jobs:
                next_tick = loop.time() + tick
            try:
                more = await runner.step(run_jobs=run_jobs)
            except Exception as exc:
                logger.exception("scheduler pass failed")
                metrics.count_error("scheduler", exc)
                more = False
            if not more:
                await _sleep(stop, min(POLL_SECONDS, tick))
    finally:
        with contextlib.suppress(Exception):
            await runner.release()
        metrics.set_lease_held(False)
        logger.info("scheduler %s stopped", runner.holder)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
