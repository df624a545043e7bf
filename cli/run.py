"""Wiring for ``run`` (the bot, with the scheduler inside by default) and ``scheduler``.

The one place that builds the settings, engine, bot, dispatcher and scheduler together.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from contextlib import suppress
from urllib.parse import urlparse

import typer
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.commands import register_commands
from bot.factory import blocked_hook, create_bot, create_dispatcher
from bot.fsm_storage import DatabaseStorage
from bot.routers.setup import offer_demo_bank
from bot.sender import Pacer
from cli.common import EXIT_USAGE
from config import Settings, load_settings
from contest.team_refresh import TeamRefresher
from ops.metrics import instrument_engine
from ops.runtime import OpsRuntime, start_ops
from scheduler.runner import run_scheduler
from storage.db import create_engine, create_session_factory, describe
from storage.migrate import upgrade_async

logger = logging.getLogger("qualityquiz")


def run_bot(*, webhook: str | None, with_scheduler: bool) -> None:
    """Run the bot: long polling by default, or webhook mode with ``webhook``."""
    settings = _settings_with_token()
    asyncio.run(_run_bot(settings, webhook=webhook, with_scheduler=with_scheduler))


def run_scheduler_alone() -> None:
    """Run only the scheduler and the outbox sender (when the bots run elsewhere)."""
    asyncio.run(_run_scheduler_only(_settings_with_token()))


def _settings_with_token() -> Settings:
    settings = load_settings()
    if settings.bot_token is None:
        typer.echo("BOT_TOKEN is not set (environment or .env)", err=True)
        raise typer.Exit(EXIT_USAGE)
    return settings


def _storage(settings: Settings, session_factory: async_sessionmaker[AsyncSession]) -> BaseStorage:
    if settings.redis_url:
        return RedisStorage.from_url(settings.redis_url)
    return DatabaseStorage(session_factory)


async def _prepare(settings: Settings) -> tuple[async_sessionmaker[AsyncSession], Bot, Bot]:
    """The session factory, the bot that replies, and the outbox's bulk bot (one pacer)."""
    await upgrade_async(settings.database_url)
    engine = create_engine(settings.database_url, pool=settings.pool)
    instrument_engine(engine)
    session_factory = create_session_factory(engine)
    pacer = Pacer()
    on_blocked = blocked_hook(session_factory)
    bot = create_bot(settings, on_blocked=on_blocked, pacer=pacer)
    bulk_bot = create_bot(settings, on_blocked=on_blocked, pacer=pacer, bulk=True)
    logger.info(
        "database %s; Bot API server %s",
        describe(settings.database_url),
        settings.telegram_api_server or "api.telegram.org",
    )
    return session_factory, bot, bulk_bot


async def _run_bot(settings: Settings, *, webhook: str | None, with_scheduler: bool) -> None:
    session_factory, bot, bulk_bot = await _prepare(settings)
    storage = _storage(settings, session_factory)
    dp = create_dispatcher(settings, session_factory, storage=storage)
    logger.info("conversation state in %s", "Redis" if settings.redis_url else "the database")
    await register_commands(bot, admin_ids=settings.admin_ids)
    async with session_factory() as session:
        await offer_demo_bank(bot, session, settings)
    stop = asyncio.Event()
    ops = await start_ops(settings, session_factory, bot, serve_http=not webhook)
    tasks = [asyncio.create_task(TeamRefresher(session_factory).run(stop))]
    if with_scheduler and settings.run_scheduler:
        tasks.append(
            asyncio.create_task(
                run_scheduler(
                    settings=settings, session_factory=session_factory, bot=bulk_bot, stop=stop
                )
            )
        )
    try:
        if webhook:
            await _serve_webhook(settings, dp, bot, webhook, ops=ops)
        else:
            logger.info("mode: long polling")
            await bot.delete_webhook(drop_pending_updates=False)
            await dp.start_polling(bot, handle_signals=True)
    finally:
        stop.set()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task
        await storage.close()
        await ops.stop()
        await bot.session.close()
        await bulk_bot.session.close()


WEBHOOK_PATH = "/webhook"


def build_webhook_app(dp: Dispatcher, bot: Bot, *, secret: str, path: str) -> web.Application:
    """The aiohttp app: updates at ``path``; a request without our secret token gets 401."""
    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(app, path=path)
    setup_application(app, dp, bot=bot)
    return app


async def _serve_webhook(
    settings: Settings, dp: Dispatcher, bot: Bot, url: str, *, ops: OpsRuntime
) -> None:
    """Webhook mode: Telegram posts to ``url`` and must echo the secret token we set."""
    secret = (
        settings.webhook_secret.get_secret_value()
        if settings.webhook_secret
        else secrets.token_urlsafe(32)
    )
    path = urlparse(url).path.rstrip("/")
    if not path:
        path, url = WEBHOOK_PATH, url.rstrip("/") + WEBHOOK_PATH
    app = build_webhook_app(dp, bot, secret=secret, path=path)
    ops.mount(app)  # /healthz /readyz /metrics beside the webhook
    await bot.set_webhook(url, secret_token=secret, drop_pending_updates=False)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    await site.start()
    logger.info(
        "mode: webhook %s (listening on %s:%s%s)",
        url, settings.webhook_host, settings.webhook_port, path,
    )  # fmt: skip
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


async def _run_scheduler_only(settings: Settings) -> None:
    session_factory, bot, bulk_bot = await _prepare(settings)
    stop = asyncio.Event()
    refresher = asyncio.create_task(TeamRefresher(session_factory).run(stop))
    ops = await start_ops(settings, session_factory, bot, serve_http=True)
    try:
        await run_scheduler(
            settings=settings, session_factory=session_factory, bot=bulk_bot, stop=stop
        )
    finally:
        stop.set()
        await refresher
        await ops.stop()
        await bot.session.close()
        await bulk_bot.session.close()
