"""The first-run doctor: checks what the bot needs and says in plain words what to do.

Each check returns ``Finding``s: ``ok``, ``warn`` (works, but worth knowing) or ``fail`` (the
bot will not work as expected), with advice for anything but ``ok``. ``diagnose`` runs them
all; nothing here changes the database, the webhook or any file.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from config import Settings, load_settings
from ops.doctor.finding import NETWORK_TIMEOUT, Finding
from ops.doctor.local import (
    check_admins,
    check_database,
    check_folders,
    check_font,
    check_given_up,
    check_redis,
    check_timezone,
)
from ops.doctor.messengers import check_messengers
from ops.doctor.telegram import (
    check_bot_api,
    check_token,
    check_webhook,
    check_without_telegram,
)
from scheduler.fonts import CJK_FAMILIES, WQY_MICROHEI

__all__ = ["Finding", "diagnose", "load_for_doctor", "problems"]


def load_for_doctor() -> tuple[Settings, list[Finding]]:
    """The settings, with every invalid one reported and replaced by its default."""
    try:
        return load_settings(), []
    except ValidationError as exc:
        findings, defaults = [], {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            findings.append(
                Finding(
                    "config",
                    "fail",
                    f"{field.upper()}: {error['msg']}",
                    f"fix {field.upper()} in the environment or the .env file",
                )
            )
            if field in Settings.model_fields:
                defaults[field] = Settings.model_fields[field].default
        try:
            return load_settings(**defaults), findings
        except ValidationError:
            return load_settings(_env_file=None), findings


async def diagnose(
    settings: Settings,
    *,
    webhook: str | None = None,
    font_files: Sequence[Path] = (WQY_MICROHEI,),
    font_families: Sequence[str] = CJK_FAMILIES,
    seconds: float = NETWORK_TIMEOUT,
) -> list[Finding]:
    token = check_token(settings)
    alone = settings.bot_token is None and bool(settings.app_senders)
    if alone:  # a plant without Telegram: the apps, the scheduler and the web face run
        token = check_without_telegram(settings)
    api, database, redis, hook, messengers = await asyncio.gather(
        _nothing() if alone else check_bot_api(settings, seconds=seconds),
        check_database(settings.database_url, seconds=seconds),
        check_redis(settings.redis_url, seconds=seconds),
        check_webhook(settings, webhook, seconds=seconds),
        check_messengers(settings, seconds=seconds),
    )
    font = await asyncio.to_thread(check_font, font_files, font_families)
    updates = []
    if database.status == "ok":
        updates.append(await check_given_up(settings.database_url, seconds=seconds))
    return [
        token,
        *api,
        database,
        *updates,
        redis,
        font,
        *hook,
        *messengers,
        check_timezone(settings),
        check_admins(settings),
        *check_folders(settings),
    ]


async def _nothing() -> list[Finding]:
    return []


def problems(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.status == "fail"]
