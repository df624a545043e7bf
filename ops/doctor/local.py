"""Doctor checks of this machine and its services: database, Redis, font, clock, settings."""

from __future__ import annotations

import asyncio
import os
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import column, func, select, table

from config import Settings
from ops.doctor.finding import NETWORK_TIMEOUT, Finding
from ops.health import current_revisions, schema_heads, sqlite_file
from ops.writable import write_problem
from scheduler.fonts import CJK_FAMILIES, PROBE, WQY_MICROHEI, CJKFontMissing, find_cjk_font
from storage.db import create_engine, describe
from storage.types import UTCDateTime

# The bot's inbox table (bot/models.py), read here without importing the bot.
_INBOX = table("inbox", column("status"), column("done_at", UTCDateTime))

FONT_ADVICE = (
    "install a Chinese font and restart the bot: on Debian/Ubuntu "
    "`apt-get install fonts-wqy-microhei` (or a Noto Sans CJK font); without one the "
    "leaderboard pictures are not sent, the text announcements still are"
)


async def check_database(database_url: str, *, seconds: float = NETWORK_TIMEOUT) -> Finding:
    where = describe(database_url)
    upgrade = "run `python main.py db upgrade` (the bot also migrates when it starts)"
    path = sqlite_file(database_url)
    if path is not None and not path.exists():
        folder = path.resolve().parent
        if not os.access(next(p for p in (folder, *folder.parents) if p.exists()), os.W_OK):
            return Finding(
                "database",
                "fail",
                f"no SQLite file at {path.resolve()}, and its folder is not writable",
                "point DATABASE_URL at a writable folder",
            )
        return Finding("database", "fail", f"no SQLite database at {path.resolve()} yet", upgrade)
    engine = create_engine(database_url)
    try:
        async with asyncio.timeout(seconds), engine.connect() as connection:
            current = await connection.run_sync(current_revisions)
    except Exception as exc:
        return Finding(
            "database",
            "fail",
            f"cannot open {where}: {type(exc).__name__}: {exc}"[:400],
            "check DATABASE_URL (host, port, user, password, database name) and that "
            "the database server is running and reachable from here",
        )
    finally:
        await engine.dispose()
    heads = schema_heads()
    if current == heads:
        # Readable is not enough: every answer, join and lease is a write.
        problem = await write_problem(database_url, seconds=seconds)
        if problem is not None:
            return Finding("database", "fail", problem, "fix that, then run doctor again")
        versions = ", ".join(heads)
        return Finding("database", "ok", f"{where}, schema up to date, writable ({versions})")
    if not current:
        return Finding("database", "fail", f"{where} is not migrated (no schema version)", upgrade)
    if current - heads and not await asyncio.to_thread(_known_revisions, current):
        return Finding(
            "database",
            "fail",
            f"{where} is at {', '.join(sorted(current))}, which this code does not know",
            "the database was migrated by a newer QualityQuiz: run that version, or restore "
            "a backup",
        )
    have = ", ".join(sorted(current))
    return Finding("database", "fail", f"{where} is at {have}, not {', '.join(heads)}", upgrade)


async def check_given_up(database_url: str, *, seconds: float = NETWORK_TIMEOUT) -> Finding:
    """Updates the bot finally could not handle in the last day (the workers were told)."""
    path = sqlite_file(database_url)
    if path is not None and not path.exists():
        return Finding("updates", "ok", "no database yet")
    since = datetime.now(UTC) - timedelta(days=1)
    engine = create_engine(database_url)
    try:
        async with asyncio.timeout(seconds), engine.connect() as connection:
            failed = await connection.scalar(
                select(func.count())
                .select_from(_INBOX)
                .where(_INBOX.c.status == "failed", _INBOX.c.done_at > since)
            )
    except Exception as exc:
        return Finding("updates", "warn", f"could not read the inbox: {type(exc).__name__}")
    finally:
        await engine.dispose()
    if not failed:
        return Finding("updates", "ok", "every update of the last day was handled")
    return Finding(
        "updates",
        "warn",
        f"{failed} update(s) of the last day could not be handled in time (the workers were "
        "told to try again)",
        "look for 'given up' in the bot's log for the cause (database, Redis, Telegram, "
        "network); qualityquiz_updates_given_up_total counts them by cause",
    )


def _known_revisions(revisions: frozenset[str]) -> bool:
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return all(script.get_revision(rev) is not None for rev in revisions)


async def check_redis(redis_url: str | None, *, seconds: float = NETWORK_TIMEOUT) -> Finding:
    if not redis_url:
        return Finding("redis", "ok", "not configured: conversation state is kept in the database")
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url, socket_connect_seconds=seconds, socket_seconds=seconds)
    try:
        await client.ping()  # type: ignore[misc]  # redis-py types it sync-or-async
    except Exception as exc:
        return Finding(
            "redis",
            "fail",
            f"REDIS_URL does not answer: {type(exc).__name__}: {exc}"[:300],
            "start Redis or fix REDIS_URL; or unset REDIS_URL to keep state in the database",
        )
    finally:
        await client.aclose()
    return Finding("redis", "ok", "answers PING")


def check_font(
    files: Sequence[Path] = (WQY_MICROHEI,), families: Sequence[str] = CJK_FAMILIES
) -> Finding:
    """The CJK font the pictures use renders Chinese as glyphs, not as tofu boxes."""
    try:
        path = find_cjk_font(files, families)
    except CJKFontMissing:
        return Finding("font", "fail", "no font with Chinese glyphs found", FONT_ADVICE)
    return font_renders(path)


def font_renders(path: str | Path, text: str = PROBE) -> Finding:
    """Rasterise ``text`` with matplotlib's FreeType and compare with the missing glyph."""
    from matplotlib.ft2font import FT2Font

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # matplotlib warns about each missing glyph
        font = FT2Font(str(path))
        font.set_size(48, 72)
        tofu = _raster(font, "\U0010fffd")  # a private-use code point no font has
        for char in text:
            glyph = _raster(font, char)
            if not glyph.any() or (glyph.shape == tofu.shape and (glyph == tofu).all()):
                return Finding(
                    "font", "fail", f"{Path(path).name} draws {char!r} as a box (tofu)", FONT_ADVICE
                )
    return Finding("font", "ok", f"{path} renders {text}")


def _raster(font: object, text: str) -> np.ndarray:
    font.set_text(text, 0.0)  # type: ignore[attr-defined]
    font.draw_glyphs_to_bitmap()  # type: ignore[attr-defined]
    return np.asarray(font.get_image())  # type: ignore[attr-defined]


def check_timezone(settings: Settings, *, now: datetime | None = None) -> Finding:
    local = (now or datetime.now(UTC)).astimezone(ZoneInfo(settings.timezone))
    return Finding(
        "timezone",
        "ok",
        f"{settings.timezone}: it is {local:%Y-%m-%d %H:%M} there (UTC{local:%z}); "
        "if that is wrong, fix this machine's clock",
    )


def check_admins(settings: Settings) -> Finding:
    if not settings.admin_ids:
        return Finding(
            "admins",
            "fail",
            "ADMIN_IDS is empty: nobody can use the organiser commands",
            "put your numeric Telegram user id in ADMIN_IDS (comma-separated for several)",
        )
    ids = ", ".join(str(i) for i in sorted(settings.admin_ids))
    return Finding("admins", "ok", f"super-admins: {ids}")


def check_folders(settings: Settings) -> list[Finding]:
    findings = []
    for name, path in (
        ("BACKUP_DIR", settings.backup_dir),
        ("PROMETHEUS_MULTIPROC_DIR", settings.prometheus_multiproc_dir),
    ):
        if path is None:
            continue
        existing = next((p for p in (path, *path.parents) if p.exists()), Path("/"))
        if not os.access(existing, os.W_OK):
            findings.append(
                Finding("folders", "fail", f"{name} {path} is not writable", f"fix {name}")
            )
        elif not path.exists() and name == "PROMETHEUS_MULTIPROC_DIR":
            findings.append(
                Finding(
                    "folders", "fail", f"{name} {path} does not exist", "create it (empty) first"
                )
            )
        else:
            findings.append(Finding("folders", "ok", f"{name} {path} is writable"))
    return findings
