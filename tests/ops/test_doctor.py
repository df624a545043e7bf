"""The doctor names what is wrong and what to do: a wrong token (a local fake of the Bot
API answers 401), a missing or tofu-only font, an unmigrated database; all good is ready."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from matplotlib import font_manager
from sqlalchemy import insert

from bot.models import InboxUpdate
from config import Settings, load_settings
from ops.doctor import Finding, diagnose, problems
from ops.doctor.local import check_database, check_font, check_given_up, font_renders
from ops.doctor.telegram import check_bot_api, check_token, check_webhook
from scheduler.fonts import CJKFontMissing, cjk_font_path
from storage.db import create_engine
from storage.migrate import upgrade

GOOD_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
WRONG_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsXX"
BOT = {"id": 123456789, "is_bot": True, "first_name": "QualityQuiz", "username": "qq_bot"}


async def fake_bot_api(request: web.Request) -> web.Response:
    """Telegram's answers for the two methods the doctor calls."""
    if request.match_info["token"] != GOOD_TOKEN:
        return web.json_response(
            {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
        )
    results = {
        "getMe": BOT,
        "getWebhookInfo": {"url": "", "has_custom_certificate": False, "pending_update_count": 0},
    }
    return web.json_response({"ok": True, "result": results[request.match_info["method"]]})


@pytest.fixture
async def api_server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", fake_bot_api)
    server = TestServer(app)
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


@pytest.fixture
def migrated(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ready.db'}"
    upgrade(url)
    return url


def doctor_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"bot_token": GOOD_TOKEN, "admin_ids": frozenset({900})}
    return load_settings(_env_file=None, **{**values, **overrides})


def only(findings: list[Finding], check: str) -> Finding:
    found = [f for f in findings if f.check == check and f.status != "ok"] or [
        f for f in findings if f.check == check
    ]
    assert found, f"no {check} finding in {findings}"
    return found[0]


async def test_a_wrong_token_is_reported_with_what_to_do(api_server: str) -> None:
    settings = doctor_settings(bot_token=WRONG_TOKEN, telegram_api_server=api_server)
    assert check_token(settings).status == "ok"  # well-formed, but not this bot's
    [finding] = await check_bot_api(settings)
    assert finding.status == "fail"
    assert "401" in finding.detail
    assert "@BotFather" in finding.advice


async def test_a_malformed_token_and_an_unreachable_api_are_told_apart() -> None:
    settings = doctor_settings(bot_token="12345:short", telegram_api_server="http://127.0.0.1:9")
    token = check_token(settings)
    assert token.status == "fail" and "@BotFather" in token.advice
    [api] = await check_bot_api(settings, seconds=5)
    assert api.status == "fail" and "cannot reach" in api.detail
    assert "outbound HTTPS" in api.advice


async def test_a_good_token_answers_getme(api_server: str) -> None:
    findings = await check_bot_api(doctor_settings(telegram_api_server=api_server))
    assert [f.status for f in findings] == ["ok"]
    assert "@qq_bot" in findings[0].detail


def test_a_missing_font_is_reported_with_the_package_to_install() -> None:
    finding = check_font(files=(), families=())
    assert finding.status == "fail"
    assert "fonts-wqy-microhei" in finding.advice


def test_a_font_without_chinese_glyphs_is_tofu() -> None:
    latin_only = Path(font_manager.findfont("DejaVu Sans"))
    assert check_font(files=(latin_only,), families=()).status == "fail"
    finding = font_renders(latin_only)
    assert finding.status == "fail" and "tofu" in finding.detail
    assert "fonts-wqy-microhei" in finding.advice


def test_an_installed_cjk_font_renders() -> None:
    try:
        path = cjk_font_path()
    except CJKFontMissing:
        pytest.skip("no CJK font on this machine")
    assert font_renders(path).status == "ok"


async def test_an_unmigrated_database_is_reported_with_the_upgrade_command(
    tmp_path: Path,
) -> None:
    empty = tmp_path / "old.db"
    with closing(sqlite3.connect(empty)) as connection:
        connection.execute("CREATE TABLE something_else (x)")
    finding = await check_database(f"sqlite+aiosqlite:///{empty}")
    assert finding.status == "fail" and "not migrated" in finding.detail
    assert "python main.py db upgrade" in finding.advice
    missing = await check_database(f"sqlite+aiosqlite:///{tmp_path / 'none.db'}")
    assert missing.status == "fail" and "db upgrade" in missing.advice
    assert not (tmp_path / "none.db").exists()  # the doctor changes nothing


async def test_everything_in_place_is_ready(api_server: str, migrated: str) -> None:
    try:
        cjk_font_path()
    except CJKFontMissing:
        pytest.skip("no CJK font on this machine")
    settings = doctor_settings(telegram_api_server=api_server, database_url=migrated)
    findings = await diagnose(settings)
    assert problems(findings) == [], findings


async def test_diagnose_lists_each_problem(api_server: str, tmp_path: Path) -> None:
    settings = doctor_settings(
        bot_token=WRONG_TOKEN,
        telegram_api_server=api_server,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'none.db'}",
        admin_ids=frozenset(),
    )
    findings = await diagnose(settings, font_files=(), font_families=())
    assert {f.check for f in problems(findings)} == {"bot_api", "database", "font", "admins"}
    assert all(f.advice for f in problems(findings))


async def test_webhook_settings_telegram_would_refuse() -> None:
    settings = doctor_settings(webhook_secret="has spaces!", webhook_port=0)
    findings = await check_webhook(settings, "http://bot.example:8080/hook", seconds=1)
    details = " ".join(f.detail for f in findings if f.status == "fail")
    assert "https" in details and "WEBHOOK_SECRET" in details
    closed = await asyncio.wait_for(
        check_webhook(doctor_settings(webhook_port=0), "https://127.0.0.1:9/hook", seconds=2), 10
    )
    assert any(f.status == "fail" and "cannot reach" in f.detail for f in closed)


async def test_updates_given_up_in_the_last_day_are_reported(migrated: str) -> None:
    assert (await check_given_up(migrated)).status == "ok"
    engine = create_engine(migrated)
    now = datetime.now(UTC)
    async with engine.begin() as connection:
        await connection.execute(
            insert(InboxUpdate),
            [
                {
                    "update_id": i,
                    "payload": {},
                    "received_at": now,
                    "owner": "vm",
                    "tries": 0,
                    "status": status,
                    "done_at": now - age,
                }
                for i, (status, age) in enumerate(
                    [
                        ("failed", timedelta(hours=1)),
                        ("failed", timedelta(days=2)),
                        ("done", timedelta(hours=1)),
                    ]
                )
            ],
        )
    await engine.dispose()
    finding = await check_given_up(migrated)
    assert finding.status == "warn" and finding.detail.startswith("1 update(s)")
    assert "given up" in finding.advice
