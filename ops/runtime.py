"""What a running process adds for operations: the getMe watcher, the ops HTTP server and
the one-line status in the log shortly after start. ``cli.run`` starts and stops it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiogram import Bot
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from ops.health import BotApiStatus, Readiness, run_checks, status_line, watch_bot_api
from ops.metrics import mark_process_dead, multiprocess_dir
from ops.web import Installer, add_ops_routes, start_ops_server

logger = logging.getLogger("qualityquiz")

STATUS_DELAY = 3.0  # let the scheduler take its lease before the status line is written


@dataclass
class OpsRuntime:
    readiness: Readiness
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    runner: web.AppRunner | None = None

    def mount(self, app: web.Application) -> None:
        """Add /healthz, /readyz and /metrics to an application we serve anyway (webhook)."""
        add_ops_routes(app, readiness=self.readiness)

    async def stop(self) -> None:
        self.stop_event.set()
        for task in self.tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.runner is not None:
            await self.runner.cleanup()
        mark_process_dead()


async def start_ops(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    bot: Bot | None,
    *,
    serve_http: bool,
    lease: bool = True,
    installers: Sequence[Installer] = (),
) -> OpsRuntime:
    """Start watching the Bot API (when there is a ``bot``) and (``serve_http``) serve the
    ops routes on WEB_PORT, with whatever else ``installers`` add to that application (the
    web face)."""
    status = BotApiStatus() if bot is not None else None
    readiness = Readiness(
        session_factory=session_factory,
        database_url=settings.database_url,
        bot_status=status,
        redis_url=settings.redis_url,
        lease=lease,
    )
    ops = OpsRuntime(readiness)
    if bot is not None and status is not None:  # no Telegram bot: nothing to watch
        ops.tasks.append(asyncio.create_task(watch_bot_api(bot, status, stop=ops.stop_event)))
    if serve_http and settings.web_port:
        ops.runner = await start_ops_server(
            settings.web_host, settings.web_port, readiness=readiness, installers=installers
        )
    ops.tasks.append(asyncio.create_task(_log_status(ops)))
    if multiprocess_dir():
        logger.info(
            "metrics in multiprocess mode (PROMETHEUS_MULTIPROC_DIR=%s)", multiprocess_dir()
        )
    return ops


async def _log_status(ops: OpsRuntime) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(ops.stop_event.wait(), STATUS_DELAY)
    if not ops.stop_event.is_set():
        logger.info("status %s", status_line(await run_checks(ops.readiness)))
