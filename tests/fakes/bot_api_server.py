"""A Bot API server over HTTP, for webhook-mode runs of the real bot (tests and bench).

The bot is configured as in production (``TELEGRAM_API_SERVER`` points here) and never
knows it is not talking to Telegram. The server answers the methods a quiz uses with the
same JSON shapes and errors as the Bot API (text ≤ 4096, callback_data ≤ 64 bytes, "message
is not modified", "message to edit not found"), keeps every chat's messages (edits apply),
opens at most the webhook's ``max_connections`` at once (the rest wait, as at Telegram),
records each call with its arrival time, and keeps Telegram's flood limits on every
message into a chat (:mod:`tests.fakes.flood`: 30/s per bot, one a second per chat with a
short burst, 20/min per group), answering 429 with ``retry_after`` as Telegram does; the
refused calls are in ``flood``. It can also deliver updates to the webhook the bot set,
with the secret token, like Telegram does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web

from tests.fakes.flood import FloodControl, counts, too_many_requests

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_JSON_FIELDS = frozenset(
    {"reply_markup", "entities", "allowed_updates", "commands", "scope", "reply_parameters",
     "link_preview_options", "menu_button", "caption_entities"}
)  # fmt: skip
_ACCEPTED = frozenset(
    {"setmycommands", "deletemycommands", "setmydescription", "setmyshortdescription",
     "setchatmenubutton", "sendchataction", "deletewebhook"}
)  # fmt: skip


@dataclass
class Call:
    method: str  # lower case, as routed
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None and str(value).lstrip("-").isdigit() else None


Listener = Callable[[Call, dict[str, Any] | None], None]


class BotApiServer:
    def __init__(
        self,
        token: str,
        *,
        bot_id: int | None = None,
        username: str = "qq_bot",
        limits: FloodControl | None = None,
    ) -> None:
        self.token = token
        self.bot_id = bot_id or int(token.split(":", 1)[0])
        self.username = username
        self.calls: list[Call] = []
        self.chats: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
        self.webhook_url: str | None = None
        self.webhook_secret: str = ""
        self.limits = limits or FloodControl()
        self.flood: list[Call] = []  # messages refused with a 429
        self._message_ids = itertools.count(1)
        self._listeners: dict[int, list[Listener]] = defaultdict(list)
        self._runner: web.AppRunner | None = None
        self._updates: list[dict[str, Any]] = []  # for getUpdates (polling mode)
        self._arrived = asyncio.Event()
        self._client: ClientSession | None = None
        self._connections = asyncio.Semaphore(40)  # setWebhook's max_connections
        self.port = 0

    # --- serving -------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        # Telegram opens at most the webhook's max_connections at once and keeps the rest of
        # the updates queued on its side; the timeout is each request's own.
        self._client = ClientSession(
            timeout=ClientTimeout(total=70), connector=TCPConnector(limit=0)
        )
        return self.url

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- as Telegram, towards the bot ------------------------------------------------------
    async def deliver(self, update: dict[str, Any]) -> int:
        """POST one update to the webhook the bot set; the HTTP status it answered."""
        assert self.webhook_url and self._client is not None, "the bot has set no webhook"
        async with (
            self._connections,
            self._client.post(
                self.webhook_url, json=update, headers={SECRET_HEADER: self.webhook_secret}
            ) as response,
        ):
            return response.status

    def queue_update(self, update: dict[str, Any]) -> None:
        """An update for a bot in polling mode (held until a getUpdates offset passes it)."""
        self._updates.append(update)
        self._arrived.set()

    def listen(self, chat_id: int, listener: Listener) -> None:
        """Call ``listener(call, message)`` for every call into ``chat_id``."""
        self._listeners[chat_id].append(listener)

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        chat = self.chats.get(chat_id, {})
        return [chat[k] for k in sorted(chat)]

    def sent(self, method: str | None = None, chat_id: int | None = None) -> list[Call]:
        return [
            c for c in self.calls
            if (method is None or c.method == method.lower())
            and (chat_id is None or c.chat_id == chat_id)
        ]  # fmt: skip

    # --- the Bot API ---------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"].lower()
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, str):
                params[key] = json.loads(value) if key in _JSON_FIELDS else value
            else:  # an uploaded file
                params[key] = {"filename": value.filename, "size": len(value.file.read())}
        call = Call(method, params)
        self.calls.append(call)
        if method == "getupdates":
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        chat_id = call.chat_id
        if chat_id is not None and counts(method, chat_id):
            wait = self.limits.check(method, chat_id)
            if wait is not None:
                self.flood.append(call)
                body = too_many_requests(self.limits.retry_after(wait))
                return web.json_response(body, status=429)
        status, result = self._respond(call)
        message = result if isinstance(result, dict) and "message_id" in result else None
        if status == 200 and chat_id is not None:
            for listener in list(self._listeners.get(chat_id, ())):
                listener(call, message)
        if status != 200:
            return _error(status, str(result))
        return web.json_response({"ok": True, "result": result})

    def _respond(self, call: Call) -> tuple[int, Any]:
        p, m = call.params, call.method
        if m in _ACCEPTED:
            return 200, True
        if m == "getme":
            return 200, {"id": self.bot_id, "is_bot": True, "first_name": "QualityQuiz",
                         "username": self.username, "can_join_groups": True,
                         "can_read_all_group_messages": False,
                         "supports_inline_queries": False}  # fmt: skip
        if m == "setwebhook":
            self.webhook_url, self.webhook_secret = p.get("url"), p.get("secret_token", "")
            self._connections = asyncio.Semaphore(int(p.get("max_connections") or 40))
            return 200, True
        if m == "getwebhookinfo":
            return 200, {"url": self.webhook_url or "", "has_custom_certificate": False,
                         "pending_update_count": 0}  # fmt: skip
        if m == "answercallbackquery":
            return 200, True
        problem = _payload_problem(p)
        if problem:
            return 400, problem
        if m in ("sendmessage", "sendphoto", "senddocument"):
            return 200, self._store(p)
        if m in ("editmessagetext", "editmessagereplymarkup"):
            return self._edit(m, p)
        return 400, f"Bad Request: method {m} is not emulated"

    async def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        """Long polling as Telegram does it: ``offset`` confirms, ``timeout`` holds the call."""
        offset = int(p.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(float(p.get("timeout") or 0), 2))
        return self._updates[: int(p.get("limit") or 100)]

    def _store(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(p["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": {"id": self.bot_id, "is_bot": True, "first_name": "QualityQuiz",
                     "username": self.username},
        }  # fmt: skip
        if "text" in p:
            message["text"] = p["text"]
        if p.get("caption"):
            message["caption"] = p["caption"]
        markup = p.get("reply_markup") or {}
        if "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.chats[chat_id][message["message_id"]] = message
        return message

    def _edit(self, m: str, p: dict[str, Any]) -> tuple[int, Any]:
        chat_id, message_id = int(p["chat_id"]), int(p["message_id"])
        message = self.chats.get(chat_id, {}).get(message_id)
        if message is None:
            return 400, "Bad Request: message to edit not found"
        markup = p.get("reply_markup") or None
        text = p.get("text", message.get("text"))
        if text == message.get("text") and markup == message.get("reply_markup"):
            return 400, "Bad Request: message is not modified"
        message["text"] = text
        message.pop("reply_markup", None)
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return 200, message


def _payload_problem(p: dict[str, Any]) -> str | None:
    if len(str(p.get("text", ""))) > 4096:
        return "Bad Request: message is too long"
    if "text" in p and not str(p["text"]).strip():
        return "Bad Request: message text is empty"
    for row in (p.get("reply_markup") or {}).get("inline_keyboard") or []:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                return "Bad Request: BUTTON_DATA_INVALID"
    return None


def _error(code: int, description: str) -> web.Response:
    body = {"ok": False, "error_code": code, "description": description}
    return web.json_response(body, status=code)
