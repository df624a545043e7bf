"""Settings from the environment and ``.env`` (the operational contract in DESIGN.md)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.db import PoolSettings

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./quizbot.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str = DEFAULT_DATABASE_URL
    telegram_api_server: str | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Asia/Shanghai"
    redis_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = 8080
    # How many connections Telegram may open to the webhook at once (1-100, Telegram's limit).
    webhook_max_connections: int = Field(default=100, ge=1, le=100)
    # Telegram's bot-wide budget for messages into chats (replies and bulk together): 30/s,
    # unless Telegram raised it for this bot (paid broadcasts allow up to 1000/s).
    telegram_messages_per_second: float = Field(default=30.0, gt=0, le=1000)
    upload_limit_mb: float = Field(default=10.0, gt=0)
    scheduler_grace_seconds: int = Field(default=6 * 3600, ge=0)
    scheduler_tick_seconds: float = Field(default=20.0, gt=0)
    run_scheduler: bool = True
    practice_push_time: str = "08:00"  # the opt-in daily practice invitation, in TIMEZONE
    log_level: str = "INFO"
    # Connections per process (None: 1 for SQLite, which takes one writer at a time; 10 for
    # PostgreSQL) and how long an update may wait for one before it is answered "busy".
    db_pool_size: int | None = Field(default=None, ge=1, le=200)
    db_pool_timeout: float = Field(default=10.0, gt=0)
    db_readers: int = Field(default=0, ge=0, le=64)  # SQLite: read-only connections
    log_format: Literal["text", "json"] = "text"
    # The HTTP port for /healthz, /readyz and /metrics in polling mode (0: none); in webhook
    # mode these routes are served on WEBHOOK_HOST:WEBHOOK_PORT beside the webhook.
    web_host: str = "0.0.0.0"
    web_port: int = Field(default=8080, ge=0, le=65535)
    backup_dir: Path | None = None  # set it to take a backup every day at BACKUP_TIME
    backup_time: str = "03:00"  # in TIMEZONE
    backup_keep: int = Field(default=7, ge=1)
    # prometheus-client reads PROMETHEUS_MULTIPROC_DIR itself when it is imported; it is
    # here so that the doctor can check it and .env users see it documented.
    prometheus_multiproc_dir: Path | None = None
    # The web face (big screen, browser quiz, Mini App): the base URL people open (behind the
    # same reverse proxy as the webhook), the key that signs its links and sessions (derived
    # from BOT_TOKEN when unset), and its per-address and per-worker request rates.
    web_public_url: str | None = None
    web_secret: SecretStr | None = None
    web_rate_per_address: float = Field(default=20.0, gt=0, description="requests/s per IP")
    web_rate_per_worker: float = Field(default=4.0, gt=0, description="actions/s per worker")
    web_trust_forwarded: bool = False  # take the client address from X-Forwarded-For
    # Hosts besides the platforms' own that robot webhooks may point at (a 私有化 server).
    robot_extra_hosts: Annotated[frozenset[str], NoDecode] = frozenset()
    web_initdata_max_age: int = Field(default=24 * 3600, ge=60, description="Mini App, seconds")
    # The enterprise messengers' apps (企业内部应用): two-way bots over their long connections
    # (钉钉, 飞书) and sign-in from their in-app browsers (企业微信, 钉钉, 飞书), where a worker who
    # opens our link is placed from the directory (工号 or mobile) without typing; see
    # docs/deploy.md. The API bases are the platforms' own unless tests (or a 私有化
    # deployment) point them elsewhere.
    wecom_corp_id: str | None = None
    wecom_agent_id: str | None = None
    wecom_secret: SecretStr | None = None
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    wecom_oauth_base: str = "https://open.weixin.qq.com"
    # snsapi_privateinfo asks the worker once and returns the mobile (成员敏感信息授权).
    wecom_oauth_scope: Literal["snsapi_base", "snsapi_privateinfo"] = "snsapi_base"
    dingtalk_client_id: str | None = None  # the app's Client ID (AppKey)
    dingtalk_client_secret: SecretStr | None = None
    dingtalk_corp_id: str | None = None  # when set, only this organisation's members sign in
    # The bot's card template (卡片平台 → 模板 ID, see docs/deploy.md), for its quiz cards.
    dingtalk_card_template: str = ""
    dingtalk_api_base: str = "https://api.dingtalk.com"
    dingtalk_oapi_base: str = "https://oapi.dingtalk.com"
    dingtalk_login_base: str = "https://login.dingtalk.com"
    # Messenger accounts that act as super-admins (organisers of everything) in the apps'
    # chats: "dingtalk:<userid>,feishu:<open_id>".
    messenger_admins: Annotated[frozenset[str], NoDecode] = frozenset()
    feishu_app_id: str | None = None
    feishu_app_secret: SecretStr | None = None
    feishu_api_base: str = "https://open.feishu.cn"  # Lark: https://open.larksuite.com
    feishu_accounts_base: str = "https://accounts.feishu.cn"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",")]
            return frozenset(int(p) for p in parts if p)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("messenger_admins", mode="before")
    @classmethod
    def _split_accounts(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(p.strip() for p in value.split(",") if p.strip())
        return value

    @field_validator("robot_extra_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(p.strip().lower() for p in value.split(",") if p.strip())
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        name = value.strip().upper()
        if name not in logging.getLevelNamesMapping():
            raise ValueError(f"LOG_LEVEL is one of DEBUG, INFO, WARNING, ERROR, got {value!r}")
        return name

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("backup_dir", "prometheus_multiproc_dir", mode="before")
    @classmethod
    def _empty_path_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("practice_push_time", "backup_time")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        try:
            return datetime.strptime(value.strip(), "%H:%M").strftime("%H:%M")
        except ValueError:
            raise ValueError(f'a time of day looks like "08:00", got {value!r}') from None

    @field_validator("db_pool_size", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator(
        "wecom_api_base",
        "wecom_oauth_base",
        "dingtalk_api_base",
        "dingtalk_oapi_base",
        "dingtalk_login_base",
        "feishu_api_base",
        "feishu_accounts_base",
    )
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("telegram_api_server", "web_public_url")
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else None

    @property
    def messengers(self) -> tuple[str, ...]:
        """The enterprise messengers whose bots run: credentials set (and, for DingTalk, the
        quiz card template; without it the app serves the browser sign-in only)."""
        found = []
        if self.dingtalk_client_id and self.dingtalk_client_secret and self.dingtalk_card_template:
            found.append("dingtalk")
        if self.feishu_app_id and self.feishu_app_secret:
            found.append("feishu")
        return tuple(found)

    @property
    def app_senders(self) -> tuple[str, ...]:
        """The enterprise apps that can message a worker in person (the close's result,
        review and certificate): DingTalk's and Feishu's with their credentials (a bot or
        not), WeCom's self-built app with its corp id, agent id and secret."""
        found = []
        if self.dingtalk_client_id and self.dingtalk_client_secret:
            found.append("dingtalk")
        if self.feishu_app_id and self.feishu_app_secret:
            found.append("feishu")
        if self.wecom_corp_id and self.wecom_agent_id and self.wecom_secret:
            found.append("wecom")
        return tuple(found)

    @property
    def ways_in(self) -> tuple[str, ...]:
        """What workers come in through, as a person reads it: the Telegram bot, each
        messenger's bot or app, and the web face (which every process with a port serves)."""
        names = {"dingtalk": "DingTalk", "feishu": "Feishu", "wecom": "WeCom"}
        found = ["Telegram bot"] if self.bot_token is not None else []
        found += [f"{names[p]} bot" for p in self.messengers]
        found += [f"{names[p]} app" for p in self.app_senders if p not in self.messengers]
        return (*found, "web face")

    @property
    def pool(self) -> PoolSettings:
        return PoolSettings(
            size=self.db_pool_size, timeout=self.db_pool_timeout, readers=self.db_readers
        )

    @property
    def web_key(self) -> bytes:
        """The key that signs web links and sessions: WEB_SECRET, else one derived from the
        bot's token (so a new token also invalidates every link)."""
        if self.web_secret is not None:
            return self.web_secret.get_secret_value().encode()
        token = self.bot_token.get_secret_value() if self.bot_token else ""
        return hmac.new(b"qualityquiz-web", token.encode(), hashlib.sha256).digest()

    @property
    def upload_limit_bytes(self) -> int:
        return int(self.upload_limit_mb * 1024 * 1024)


def load_settings(**overrides: object) -> Settings:
    """Read the settings; keyword overrides win (tests build their own this way)."""
    return Settings(**overrides)  # type: ignore[arg-type]
