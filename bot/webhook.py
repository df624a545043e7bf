"""Webhook mode through the intake: 200 only after the inbox has the update.

Telegram re-sends an update until it gets a 2xx, so the handler stores the update first
(:class:`bot.intake.Intake`, group commit across concurrent requests) and answers 200;
handling happens after, in the background. A request without our secret token gets 401,
a body that is not an update 400, and 503 when the database could not store it (Telegram
then tries again later).
"""

from __future__ import annotations

import json
import logging
import secrets

from aiohttp import web

from bot.inbox import Arrival
from bot.intake import Intake

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/webhook"


def add_webhook_route(
    app: web.Application, intake: Intake, *, secret: str, path: str = WEBHOOK_PATH
) -> None:
    async def receive(request: web.Request) -> web.Response:
        received_at = intake.clock()  # before any queue of ours
        if not secrets.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=401)
        try:
            payload = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="not JSON")
        update_id = payload.get("update_id") if isinstance(payload, dict) else None
        if type(update_id) is not int:
            return web.Response(status=400, text="not an update")
        try:
            await intake.receive([Arrival(update_id, payload, received_at)])
        except Exception:
            logger.exception("could not store update %s; Telegram will send it again", update_id)
            return web.Response(status=503)
        return web.Response()

    app.router.add_post(path, receive)


def build_webhook_app(intake: Intake, *, secret: str, path: str = WEBHOOK_PATH) -> web.Application:
    """An application serving only the webhook (the run command adds the rest)."""
    app = web.Application()
    add_webhook_route(app, intake, secret=secret, path=path)
    return app
