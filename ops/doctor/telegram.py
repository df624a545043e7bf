"""Doctor checks that talk to Telegram: the token, getMe, and the webhook settings."""

from __future__ import annotations

import re
import socket
from urllib.parse import urlparse

from config import Settings
from ops.doctor.finding import NETWORK_TIMEOUT, Finding

TOKEN_FORMAT = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
WEBHOOK_PORTS = (443, 80, 88, 8443)


def check_without_telegram(settings: Settings) -> Finding:
    """No BOT_TOKEN, an enterprise app configured: fine, with WEB_SECRET to sign links."""
    ways = ", ".join(settings.ways_in)
    if settings.web_secret is None:
        return Finding(
            "token",
            "fail",
            f"BOT_TOKEN not set (no Telegram; ways in: {ways}) and WEB_SECRET not set",
            "without BOT_TOKEN, set WEB_SECRET to a long random value: it signs the workers' "
            "personal links and browser sessions",
        )
    return Finding("token", "ok", f"BOT_TOKEN not set: no Telegram; ways in: {ways}")


def check_token(settings: Settings) -> Finding:
    if settings.bot_token is None:
        return Finding(
            "token",
            "fail",
            "BOT_TOKEN is not set",
            "put the token @BotFather gave you in BOT_TOKEN (environment or .env)",
        )
    token = settings.bot_token.get_secret_value().strip()
    if not TOKEN_FORMAT.match(token):
        return Finding(
            "token",
            "fail",
            "BOT_TOKEN does not look like a bot token (digits, a colon, about 35 letters)",
            "copy the whole token from @BotFather (/mybots → your bot → API Token), "
            "without quotes or spaces",
        )
    return Finding("token", "ok", f"format looks right (bot id {token.split(':')[0]})")


async def check_bot_api(settings: Settings, *, seconds: float = NETWORK_TIMEOUT) -> list[Finding]:
    """getMe with the token, then what Telegram says about a webhook."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import (
        TelegramNetworkError,
        TelegramNotFound,
        TelegramUnauthorizedError,
    )
    from aiogram.utils.token import TokenValidationError

    server = settings.telegram_api_server or "https://api.telegram.org"
    if settings.bot_token is None:
        return [Finding("bot_api", "fail", "not asked: no token", "set BOT_TOKEN first")]
    session = AiohttpSession()
    if settings.telegram_api_server:
        session.api = TelegramAPIServer.from_base(settings.telegram_api_server)
    try:
        bot = Bot(settings.bot_token.get_secret_value().strip(), session=session)
    except TokenValidationError:
        await session.close()
        return [Finding("bot_api", "fail", "not asked: the token is malformed", "fix BOT_TOKEN")]
    try:
        me = await bot.get_me(request_timeout=int(seconds))
        findings = [Finding("bot_api", "ok", f"getMe answered: @{me.username} (id {me.id})")]
        info = await bot.get_webhook_info(request_timeout=int(seconds))
        if info.url:
            findings.append(
                Finding(
                    "bot_api",
                    "warn",
                    f"a webhook is set to {info.url}"
                    + (
                        f" (last error: {info.last_error_message})"
                        if info.last_error_message
                        else ""
                    ),
                    "`run` without --webhook removes it and polls; `run --webhook URL` keeps it",
                )
            )
        return findings
    except TelegramUnauthorizedError:
        return [
            Finding(
                "bot_api",
                "fail",
                "Telegram rejected the token (401 Unauthorized)",
                "copy the token again from @BotFather (/mybots → your bot → API Token); "
                "a revoked token stops working at once",
            )
        ]
    except TelegramNotFound:
        return [
            Finding(
                "bot_api",
                "fail",
                f"{server} answered 404 Not Found for getMe",
                "the token is wrong, or TELEGRAM_API_SERVER does not point at a Bot API server",
            )
        ]
    except TelegramNetworkError as exc:
        return [
            Finding(
                "bot_api",
                "fail",
                f"cannot reach {server}: {exc.message}",
                "check this machine's outbound HTTPS (firewall, proxy, DNS); set "
                "TELEGRAM_API_SERVER if you use a local Bot API server",
            )
        ]
    except Exception as exc:
        return [Finding("bot_api", "fail", f"getMe failed: {type(exc).__name__}: {exc}", "")]
    finally:
        await session.close()


async def check_webhook(
    settings: Settings, url: str | None, *, seconds: float = NETWORK_TIMEOUT
) -> list[Finding]:
    if not url:
        return [Finding("webhook", "ok", "not used: `run` polls (pass --webhook URL to check one)")]
    findings = []
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.hostname:
        findings.append(
            Finding(
                "webhook", "fail", f"{url} is not an https:// URL", "Telegram posts only to HTTPS"
            )
        )
    elif (parsed.port or 443) not in WEBHOOK_PORTS:
        findings.append(
            Finding(
                "webhook",
                "fail",
                f"port {parsed.port} is not one Telegram posts to",
                "use port 443, 80, 88 or 8443 in the public URL (a proxy may forward it to "
                "WEBHOOK_PORT)",
            )
        )
    if settings.webhook_secret is None:
        findings.append(
            Finding(
                "webhook",
                "warn",
                "WEBHOOK_SECRET is not set: each start picks a new random one",
                "fine for one process; set WEBHOOK_SECRET when several processes share the URL",
            )
        )
    elif not SECRET_FORMAT.match(settings.webhook_secret.get_secret_value()):
        findings.append(
            Finding(
                "webhook",
                "fail",
                "WEBHOOK_SECRET has characters Telegram does not allow",
                "use 1–256 characters from A–Z, a–z, 0–9, _ and -",
            )
        )
    if not _port_free(settings.webhook_host, settings.webhook_port):
        findings.append(
            Finding(
                "webhook",
                "warn",
                f"{settings.webhook_host}:{settings.webhook_port} is in use on this machine",
                "another process (perhaps the bot itself) listens there; set WEBHOOK_PORT",
            )
        )
    if parsed.scheme == "https" and parsed.hostname:
        findings.append(await _reach(url, seconds=seconds))
    return findings


async def _reach(url: str, *, seconds: float) -> Finding:
    import aiohttp

    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=seconds)) as client,
            client.get(url, allow_redirects=False) as response,
        ):
            status = response.status
    except Exception as exc:
        return Finding(
            "webhook",
            "fail",
            f"cannot reach {url} from here: {type(exc).__name__}: {exc}"[:300],
            "Telegram must reach this URL from the internet with a valid certificate: "
            "check DNS, the firewall and the reverse proxy in front of WEBHOOK_PORT",
        )
    return Finding("webhook", "ok", f"{url} answers (HTTP {status}) from this machine")


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
