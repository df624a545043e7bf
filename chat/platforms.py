"""The enterprise messengers a process runs (钉钉, 飞书), built from the settings: each one's
API client, bot, inbox and long connection, held under its lease until ``stop``; and, for an
app that has no bot here (企业微信's self-built app; 钉钉's without its card template), only
its sender of the workers' private messages (the close's result, review and certificate)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chat.app_outbox import AppOutbox, Deliver
from chat.connection import Together, hold_and_run
from chat.dingtalk.api import DingTalkApi
from chat.dingtalk.bot import PLATFORM as DINGTALK
from chat.dingtalk.bot import DingTalkBot, order_key
from chat.dingtalk.send import DingTalkSender
from chat.dingtalk.stream import StreamConnection
from chat.feishu.api import FeishuApi
from chat.feishu.bot import PLATFORM as FEISHU
from chat.feishu.bot import FeishuBot
from chat.feishu.bot import order_key as feishu_order
from chat.feishu.ws import LongConnection
from chat.inbox import EventIntake
from chat.wecom.api import WeComApi
from chat.wecom.send import WeComSender
from config import Settings
from storage.db import is_sqlite
from storage.types import Clock, utcnow

logger = logging.getLogger(__name__)


def holder_name(platform: str) -> str:
    return f"{socket.gethostname()}:{platform}:{os.getpid()}"[:100]


def db_slots(settings: Settings) -> int:
    """Turns at the database at once: its connections, and one more waiting on SQLite."""
    if settings.db_pool_size:
        return settings.db_pool_size
    return 2 if is_sqlite(settings.database_url) else 10


def dingtalk_api(settings: Settings, *, clock: Clock = utcnow) -> DingTalkApi:
    assert settings.dingtalk_client_id and settings.dingtalk_client_secret
    return DingTalkApi(
        client_id=settings.dingtalk_client_id,
        client_secret=settings.dingtalk_client_secret.get_secret_value(),
        card_template=settings.dingtalk_card_template,
        api_base=settings.dingtalk_api_base,
        oapi_base=settings.dingtalk_oapi_base,
        clock=clock,
    )


def feishu_api(settings: Settings, *, clock: Clock = utcnow) -> FeishuApi:
    assert settings.feishu_app_id and settings.feishu_app_secret
    return FeishuApi(
        app_id=settings.feishu_app_id,
        app_secret=settings.feishu_app_secret.get_secret_value(),
        api_base=settings.feishu_api_base,
        clock=clock,
    )


def wecom_api(settings: Settings, *, clock: Clock = utcnow) -> WeComApi:
    assert settings.wecom_corp_id and settings.wecom_agent_id and settings.wecom_secret
    return WeComApi(
        corp_id=settings.wecom_corp_id,
        agent_id=settings.wecom_agent_id,
        secret=settings.wecom_secret.get_secret_value(),
        api_base=settings.wecom_api_base,
        clock=clock,
    )


class SenderRunner:
    """An app without a bot in this process: its outbox rows to workers, until ``stop``.
    Rows are claimed, so several processes may run this side by side."""

    def __init__(
        self,
        platform: str,
        api: Any,
        deliver: Deliver,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        clock: Clock = utcnow,
    ) -> None:
        self.platform, self.api = platform, api
        self.outbox = AppOutbox(
            session_factory, platform=platform, deliver=deliver, clock=clock, groups=False
        )

    async def run(self, stop: asyncio.Event) -> None:
        serving = asyncio.create_task(self.outbox.run())
        try:
            await stop.wait()
        finally:
            await self.outbox.stop()
            await serving
            await self.api.close()


def sender_runner(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    platform: str,
    *,
    clock: Clock = utcnow,
) -> SenderRunner:
    """The sender alone of ``platform``'s app (``wecom``, or ``dingtalk`` without a bot)."""
    api: Any
    if platform == "wecom":
        api = wecom_api(settings, clock=clock)
        deliver: Deliver = WeComSender(api).deliver
    else:
        api = dingtalk_api(settings, clock=clock)
        deliver = DingTalkSender(api).deliver
    return SenderRunner(platform, api, deliver, session_factory, clock=clock)


class MessengerRunner:
    """One messenger's bot: its API client, inbox, outbox and connection, served while this
    process holds the platform's connection lease. Subclasses name the platform's parts."""

    platform: str

    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        clock: Clock = utcnow,
        holder: str | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.api, bot_class, key_of = self._parts(settings, clock)
        self.bot = bot_class(
            self.api,
            session_factory,
            tz=settings.timezone,
            clock=clock,
            slots=db_slots(settings),
            admins=settings.messenger_admins,
        )
        self.holder = holder or holder_name(self.platform)
        self.intake = EventIntake(
            session_factory,
            platform=self.platform,
            instance=self.holder[:64],
            handler=self.bot.handle,
            key_of=key_of,
            clock=clock,
        )
        self.outbox = AppOutbox(
            session_factory, platform=self.platform, deliver=self.bot.deliver, clock=clock
        )
        self.connection = Together(self._connection(), self.outbox)

    def _parts(self, settings: Settings, clock: Clock) -> tuple[Any, Any, Any]:
        raise NotImplementedError

    def _connection(self) -> Any:
        raise NotImplementedError

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``: wait for the connection's lease, then serve."""
        try:
            await hold_and_run(
                self.session_factory,
                platform=self.platform,
                holder=self.holder,
                intake=self.intake,
                connection=self.connection,
                stop=stop,
            )
        finally:
            await self.api.close()


class DingTalkRunner(MessengerRunner):
    """The DingTalk bot over Stream mode."""

    platform = DINGTALK

    def _parts(self, settings: Settings, clock: Clock) -> tuple[Any, Any, Any]:
        return dingtalk_api(settings, clock=clock), DingTalkBot, order_key

    def _connection(self) -> Any:
        return StreamConnection(self.api, self._take)

    async def _take(self, message_id: str, topic: str, data: dict[str, object]) -> None:
        await self.intake.receive(message_id, {"topic": topic, "data": data})


class FeishuRunner(MessengerRunner):
    """The Feishu bot over its long connection."""

    platform = FEISHU

    def _parts(self, settings: Settings, clock: Clock) -> tuple[Any, Any, Any]:
        return feishu_api(settings, clock=clock), FeishuBot, feishu_order

    def _connection(self) -> Any:
        return LongConnection(self.api, self.intake.receive_event)


async def run_messengers(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    stop: asyncio.Event,
    *,
    clock: Clock = utcnow,
) -> None:
    """Every configured messenger, and every app's sender without a bot, until ``stop``."""
    runs = []
    if DINGTALK in settings.messengers:
        runs.append(DingTalkRunner(settings, session_factory, clock=clock).run(stop))
    if FEISHU in settings.messengers:
        runs.append(FeishuRunner(settings, session_factory, clock=clock).run(stop))
    senders = [p for p in settings.app_senders if p not in settings.messengers]
    runs += [sender_runner(settings, session_factory, p, clock=clock).run(stop) for p in senders]
    if runs:
        logger.info(
            "messengers: %s; apps sending to workers only: %s",
            ", ".join(settings.messengers) or "none",
            ", ".join(senders) or "none",
        )
        await asyncio.gather(*runs)
