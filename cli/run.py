"""Wiring for ``run`` (the bot, with the scheduler inside by default) and ``scheduler``.

The one place that builds the settings, engine, bot, dispatcher, intake and scheduler
together. Polling: one process per bot (a lease refuses a second). Webhook: any number of
processes behind one port (``--workers N``, see :mod:`cli.workers`), sharing the database
and Redis; exactly one of them runs the scheduler at a time (its lease).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
import socket
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlparse

import typer
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.redis import RedisStorage
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.commands import register_commands
from bot.factory import blocked_hook, create_bot, create_dispatcher
from bot.fsm_storage import DatabaseStorage
from bot.inbox import oldest_waiting
from bot.intake import Intake, instance_name
from bot.polling import poll
from bot.routers.setup import offer_demo_bank
from bot.sender import Limits, Pacer
from bot.shared_limits import SharedPause, SharedSlots
from bot.webhook import WEBHOOK_PATH, add_webhook_route
from chat.platforms import run_messengers
from cli.common import EXIT_REJECTED, EXIT_USAGE
from config import Settings, load_settings
from ops.metrics import instrument_engine
from ops.runtime import OpsRuntime, start_ops
from ops.web import Installer
from ops.writable import write_problem
from scheduler.runner import run_scheduler
from scheduler.team_refresh import TeamRefresher
from storage.db import create_engine, create_reader, create_session_factory, describe
from storage.lease import acquire_lease, release_lease
from storage.migrate import upgrade_async
from web import add_web_routes
from web.access import RedactingAccessLogger

logger = logging.getLogger("qualityquiz")

POLLING_LEASE = "polling"
POLLING_TTL = timedelta(seconds=30)


def run_bot(
    *,
    webhook: str | None,
    with_scheduler: bool,
    workers: int = 1,
    worker_index: int | None = None,
) -> None:
    """Run the bot: long polling by default, or webhook mode with ``webhook``; beside it
    (or, without BOT_TOKEN, instead of it) every configured enterprise messenger."""
    settings = load_settings()
    if settings.bot_token is None and settings.app_senders:  # a plant without Telegram
        from cli.apps_only import refuse_what_needs_telegram, run_apps

        refuse_what_needs_telegram(settings, webhook=webhook)
        asyncio.run(run_apps(settings, with_scheduler=with_scheduler))
        return
    settings = _settings_with_token()
    if webhook and workers > 1 and worker_index is None:
        from cli.workers import run_workers

        raise typer.Exit(
            run_workers(settings, url=webhook, workers=workers, with_scheduler=with_scheduler)
        )
    code = asyncio.run(
        _run_bot(settings, webhook=webhook, with_scheduler=with_scheduler, index=worker_index)
    )
    if code:
        raise typer.Exit(code)


def run_scheduler_alone() -> None:
    """Run only the scheduler and the outbox sender (when the bots run elsewhere); without
    BOT_TOKEN, for the enterprise apps alone."""
    settings = load_settings()
    if settings.bot_token is None and settings.app_senders:
        from cli.apps_only import refuse_what_needs_telegram, run_apps

        refuse_what_needs_telegram(settings)
        asyncio.run(run_apps(settings, messengers=False))
        return
    asyncio.run(_run_scheduler_only(_settings_with_token()))


def _settings_with_token() -> Settings:
    settings = load_settings()
    if settings.bot_token is None:
        typer.echo(
            "BOT_TOKEN is not set (environment or .env); set it, or the DingTalk, Feishu or "
            "WeCom app's settings (docs/deploy.md) to run without Telegram",
            err=True,
        )
        raise typer.Exit(EXIT_USAGE)
    return settings


def _storage(settings: Settings, session_factory: async_sessionmaker[AsyncSession]) -> BaseStorage:
    if settings.redis_url:
        return RedisStorage.from_url(settings.redis_url)
    return DatabaseStorage(session_factory)


@dataclass
class Wiring:
    """What a process talks through: the database, the replying and the bulk bot, one pacer."""

    session_factory: async_sessionmaker[AsyncSession]
    bot: Bot
    bulk_bot: Bot
    pacer: Pacer

    async def close(self) -> None:
        await self.bot.session.close()
        await self.bulk_bot.session.close()


async def _prepare(settings: Settings, *, migrate: bool = True) -> Wiring:
    """The session factory, the bot that replies, and the outbox's bulk bot (one pacer)."""
    await refuse_unwritable(settings.database_url)
    if migrate:
        await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url, pool=settings.pool)
    reader = create_reader(settings.database_url, pool=settings.pool)
    instrument_engine(engine)
    session_factory = create_session_factory(engine, reader=reader)
    pacer = Pacer(Limits(per_bot=settings.telegram_messages_per_second))
    on_blocked = blocked_hook(session_factory)
    bot = create_bot(settings, on_blocked=on_blocked, pacer=pacer)
    bulk_bot = create_bot(settings, on_blocked=on_blocked, pacer=pacer, bulk=True)
    logger.info(
        "database %s; Bot API server %s",
        describe(settings.database_url),
        settings.telegram_api_server or "api.telegram.org",
    )
    return Wiring(session_factory, bot, bulk_bot, pacer)


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


async def _run_bot(
    settings: Settings, *, webhook: str | None, with_scheduler: bool, index: int | None
) -> int:
    """The bot until a signal; the exit code (non-zero when it refused to start)."""
    first = index in (None, 0)
    wiring = await _prepare(settings, migrate=index is None)
    session_factory, bot, bulk_bot = wiring.session_factory, wiring.bot, wiring.bulk_bot
    mode = "webhook" if webhook else "polling"
    instance = instance_name(mode, index)
    stop = asyncio.Event()
    stop_on_signals(stop)
    poller = f"{instance}:{os.getpid()}"
    if not webhook and not await _hold_polling(session_factory, poller):
        typer.echo(
            "Another process is already polling this bot on this database. Stop it first, or "
            "run several processes in webhook mode: main.py run --webhook URL --workers N.",
            err=True,
        )
        await wiring.close()
        return EXIT_REJECTED
    storage = _storage(settings, session_factory)
    dp = create_dispatcher(settings, session_factory, storage=storage)
    logger.info("conversation state in %s", "Redis" if settings.redis_url else "the database")
    if index is None:
        await register_commands(bot, admin_ids=settings.admin_ids)
    if first:
        async with session_factory() as session:
            await offer_demo_bank(bot, session, settings)
    intake = Intake(dp, bot, session_factory, instance=instance, mode=mode)
    await intake.start()
    install_web = web_installer(settings, session_factory, bot)
    ops = await start_ops(
        settings, session_factory, bot, serve_http=not webhook, installers=[install_web]
    )
    tasks = [asyncio.create_task(TeamRefresher(session_factory).run(stop))]
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    if redis is not None:  # Telegram's limits are the bot's, not this process's
        SharedSlots(redis, wiring.pacer)
        tasks.append(asyncio.create_task(SharedPause(redis, wiring.pacer).run(stop)))
    if first and (settings.messengers or settings.app_senders):
        tasks.append(asyncio.create_task(run_messengers(settings, session_factory, stop)))
    if with_scheduler and settings.run_scheduler:
        tasks.append(
            asyncio.create_task(
                run_scheduler(
                    settings=settings,
                    session_factory=session_factory,
                    bot=bulk_bot,
                    stop=stop,
                    waiting_since=oldest_waiting,
                )
            )
        )
    try:
        if webhook:
            await _serve_webhook(
                settings,
                dp,
                bot,
                intake,
                webhook,
                ops=ops,
                stop=stop,
                index=index,
                install_web=install_web,
            )
        else:
            tasks.append(asyncio.create_task(_keep_polling(session_factory, poller, stop)))
            logger.info("mode: long polling (instance %s)", instance)
            await bot.delete_webhook(drop_pending_updates=False)
            await poll(bot, intake, stop=stop, allowed_updates=dp.resolve_used_update_types())
    finally:
        stop.set()
        await intake.stop()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task
        await storage.close()
        await ops.stop()
        if redis is not None:
            await redis.aclose()
        await wiring.close()
    return 0


async def _hold_polling(session_factory: async_sessionmaker[AsyncSession], holder: str) -> bool:
    """The polling lease for ``holder`` (``host:polling:pid``); a holder on this machine whose
    process is gone (``kill -9`` and a restart) gives it up at once."""
    async with session_factory.begin() as session:
        return await acquire_lease(
            session, holder=holder, ttl=POLLING_TTL, name=POLLING_LEASE, gone=_dead_here
        )


def _dead_here(holder: str) -> bool:
    host, _, pid = holder.rpartition(":")
    if not pid.isdigit() or not host.startswith(f"{socket.gethostname()}:"):
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


async def _keep_polling(
    session_factory: async_sessionmaker[AsyncSession], holder: str, stop: asyncio.Event
) -> None:
    """Renew the polling lease; give it up on a clean stop."""
    try:
        while not stop.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLLING_TTL.total_seconds() / 3)
            if stop.is_set():
                break
            try:
                if not await _hold_polling(session_factory, holder):
                    logger.error("lost the polling lease to another process; stopping")
                    stop.set()
            except Exception:
                logger.exception("could not renew the polling lease")
    finally:
        with suppress(Exception):
            async with session_factory.begin() as session:
                await release_lease(session, holder=holder, name=POLLING_LEASE)


def webhook_secret(settings: Settings) -> str:
    return (
        settings.webhook_secret.get_secret_value()
        if settings.webhook_secret
        else secrets.token_urlsafe(32)
    )


def webhook_path(url: str) -> tuple[str, str]:
    """The path we serve and the full URL Telegram posts to (``/webhook`` when none given)."""
    path = urlparse(url).path.rstrip("/")
    if not path:
        return WEBHOOK_PATH, url.rstrip("/") + WEBHOOK_PATH
    return path, url


async def set_webhook(bot: Bot, dp: Dispatcher | None, url: str, secret: str, limit: int) -> None:
    await bot.set_webhook(
        url,
        secret_token=secret,
        drop_pending_updates=False,
        max_connections=limit,
        allowed_updates=dp.resolve_used_update_types() if dp else None,
    )


async def _serve_webhook(
    settings: Settings,
    dp: Dispatcher,
    bot: Bot,
    intake: Intake,
    url: str,
    *,
    ops: OpsRuntime,
    stop: asyncio.Event,
    index: int | None,
    install_web: Installer | None = None,
) -> None:
    """Webhook mode: Telegram posts to ``url`` and must echo the secret token we set."""
    secret = webhook_secret(settings)
    path, url = webhook_path(url)
    app = web.Application()
    add_webhook_route(app, intake, secret=secret, path=path)
    ops.mount(app)  # /healthz /readyz /metrics beside the webhook
    if install_web is not None:
        install_web(app)  # the big screen and the browser quiz, on the same port
    if index is None:  # the launcher of several workers sets it once for all of them
        await set_webhook(bot, dp, url, secret, settings.webhook_max_connections)
    runner = web.AppRunner(app, access_log_class=RedactingAccessLogger)
    await runner.setup()
    site = web.TCPSite(
        runner, settings.webhook_host, settings.webhook_port, reuse_port=index is not None
    )
    await site.start()
    logger.info(
        "mode: webhook %s (listening on %s:%s%s, instance %s)",
        url,
        settings.webhook_host,
        settings.webhook_port,
        path,
        intake.instance,
    )
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def web_installer(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession], bot: Bot | None
) -> Installer:
    """What mounts the web face (big screen, browser quiz) on the process's HTTP app, in
    either mode: beside the webhook, or beside /healthz on WEB_PORT when polling."""

    def install(app: web.Application) -> None:
        add_web_routes(app, settings=settings, session_factory=session_factory, bot=bot)

    return install


async def refuse_unwritable(database_url: str) -> None:
    """Stop before anything starts, in plain words, when the database takes no writes."""
    problem = await write_problem(database_url)
    if problem is not None:
        typer.echo(f"Cannot start: {problem}.", err=True)
        raise typer.Exit(EXIT_REJECTED)


async def _run_scheduler_only(settings: Settings) -> None:
    wiring = await _prepare(settings)
    session_factory, bot, bulk_bot = wiring.session_factory, wiring.bot, wiring.bulk_bot
    stop = asyncio.Event()
    stop_on_signals(stop)
    refresher = asyncio.create_task(TeamRefresher(session_factory).run(stop))
    ops = await start_ops(settings, session_factory, bot, serve_http=True)
    try:
        await run_scheduler(  # the bots' intakes run elsewhere, on the same inbox table
            settings=settings,
            session_factory=session_factory,
            bot=bulk_bot,
            stop=stop,
            waiting_since=oldest_waiting,
        )
    finally:
        stop.set()
        await refresher
        await ops.stop()
        await wiring.close()
