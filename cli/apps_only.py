"""``run`` and ``scheduler`` without a BOT_TOKEN: a plant on 钉钉, 飞书 or 企业微信 alone (in
China Telegram needs a VPN, so this is the common case).

``run`` serves the messengers' bots (or their apps' senders), the scheduler and the web face
in one process; ``scheduler`` the scheduler alone. The scheduler is the same as beside
Telegram: the lease, competitions opened and closed on time, announcements, reminders and
notices to the apps' groups and the group robots, the close's results queued for every
linked worker (the messengers' senders deliver them). Only what needs Telegram is left out:
its outbox rows wait unsent, nobody asks getMe, no webhook is set.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import typer

from chat.platforms import run_messengers
from cli.common import EXIT_USAGE
from cli.run import refuse_unwritable, stop_on_signals, web_installer
from config import Settings
from ops.metrics import instrument_engine
from ops.runtime import start_ops
from scheduler.runner import run_scheduler
from scheduler.team_refresh import TeamRefresher
from storage.db import create_engine, create_reader, create_session_factory, describe
from storage.migrate import upgrade_async
from storage.types import Clock, utcnow

logger = logging.getLogger("qualityquiz")


def refuse_what_needs_telegram(settings: Settings, *, webhook: str | None = None) -> None:
    """What cannot work without Telegram, refused in plain words before anything starts."""
    if webhook:
        typer.echo(
            "--webhook is Telegram's and BOT_TOKEN is not set: the DingTalk and Feishu bots "
            "connect out by themselves; run `main.py run` without --webhook",
            err=True,
        )
        raise typer.Exit(EXIT_USAGE)
    if settings.web_secret is None:
        typer.echo(
            "WEB_SECRET is not set: without BOT_TOKEN it is the only key that signs the "
            "workers' personal links and browser sessions; set it to a long random value",
            err=True,
        )
        raise typer.Exit(EXIT_USAGE)


async def run_apps(
    settings: Settings,
    *,
    messengers: bool = True,
    with_scheduler: bool = True,
    stop: asyncio.Event | None = None,
    clock: Clock = utcnow,
    migrate: bool = True,
) -> None:
    """Until ``stop`` (or a signal): the messengers (``messengers``), the scheduler and the
    ops routes with the web face on WEB_PORT; a part that fails stops the others."""
    await refuse_unwritable(settings.database_url)
    if migrate:
        await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url, pool=settings.pool)
    reader = create_reader(settings.database_url, pool=settings.pool)
    instrument_engine(engine)
    session_factory = create_session_factory(engine, reader=reader)
    # RUN_SCHEDULER is for `run`; `scheduler` is the scheduler.
    scheduling = with_scheduler and (settings.run_scheduler or not messengers)
    logger.info(
        "database %s; no BOT_TOKEN: %s%s",
        describe(settings.database_url),
        ", ".join(settings.ways_in) if messengers else "the scheduler alone",
        "" if scheduling or not messengers else "; no scheduler here",
    )
    stop = stop or asyncio.Event()
    stop_on_signals(stop)

    ops = await start_ops(
        settings,
        session_factory,
        None,
        serve_http=True,
        lease=scheduling,
        installers=[web_installer(settings, session_factory, None)] if messengers else [],
    )
    parts: list[Coroutine[Any, Any, None]] = [TeamRefresher(session_factory).run(stop)]
    if messengers:
        parts.append(run_messengers(settings, session_factory, stop, clock=clock))
    if scheduling:
        scheduler = run_scheduler(
            settings=settings, session_factory=session_factory, bot=None, stop=stop, clock=clock
        )
        parts.append(scheduler)
    tasks = [asyncio.create_task(part) for part in parts]
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([stopped, *tasks], return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        await stopped
        await ops.stop()
        await engine.dispose()
        if reader is not None:
            await reader.dispose()
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
            raise result
