"""The thin Bot API layer between the bot and telegram-test-api (see README.md, "The gaps").

The bot talks to this proxy exactly as it would to api.telegram.org; the proxy forwards to
the emulator and fills in, method by method, what the emulator leaves out or gets wrong.
Nothing here knows about QualityQuiz: it only makes the emulator behave like the Bot API,
Telegram's flood limits included (:mod:`tests.fakes.flood`: every message into a chat
counts; over a limit the answer is 429 with ``retry_after`` and nothing is delivered).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, web

from tests.fakes.flood import FloodControl, counts, too_many_requests

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.05  # seconds between emulator reads while a getUpdates long-polls
MAX_LONG_POLL = 50.0  # Telegram caps getUpdates timeout at 50 s

# Methods the emulator does not implement and whose only effect is bot metadata:
# answering True is what Telegram answers.
_ACCEPTED = frozenset(
    {
        "setmycommands",
        "deletemycommands",
        "setmydescription",
        "setmyshortdescription",
        "setmyname",
        "setchatmenubutton",
        "sendchataction",
    }
)


@dataclass
class BotCall:
    """One Bot API request the bot made (method name as sent, parameters as strings)."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


def _telegram_error(code: int, description: str) -> web.Response:
    body = {"ok": False, "error_code": code, "description": description}
    return web.json_response(body, status=code)


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


# Parameters aiogram form-encodes as JSON; every other value (a text, too) stays a string.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
        "commands",
        "scope",
        "menu_button",
    }
)


def _json_param(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        return json.loads(value)
    return value


class BotApiProxy:
    """An aiohttp server on 127.0.0.1 speaking the Bot API in front of the emulator."""

    def __init__(self, emulator_url: str, *, limits: FloodControl | None = None) -> None:
        self.emulator_url = emulator_url.rstrip("/")
        self.limits = limits or FloodControl()
        self.flood: list[BotCall] = []  # messages refused with a 429
        self.calls: list[BotCall] = []
        self.unsupported: list[BotCall] = []
        self._pending: dict[str, list[dict[str, Any]]] = {}
        self._messages: dict[tuple[str, int], dict[str, Any]] = {}
        self._pull_lock = asyncio.Lock()
        self._http: ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""
        self._stopping = False
        self._methods: dict[str, Callable[[str, str, dict[str, Any]], Awaitable[web.Response]]] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message,
            "editmessagereplymarkup": self._edit_message,
            "answercallbackquery": self._answer_callback_query,
        }

    async def start(self) -> str:
        self._http = ClientSession()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # A long poll left open by a killed bot must not hold up the shutdown.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        self._stopping = True
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()

    # -- what tests read -------------------------------------------------------------------

    def calls_of(self, method: str) -> list[BotCall]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def callback_answers(self) -> list[dict[str, Any]]:
        """answerCallbackQuery parameters in order (the emulator keeps none of them)."""
        return [c.params for c in self.calls_of("answerCallbackQuery")]

    def toasts(self) -> list[str]:
        """The texts of the bot's callback answers, in order."""
        return [str(p.get("text", "")) for p in self.callback_answers()]

    # -- dispatch --------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.body_exists:
            form = await request.post()
            params.update({k: v if isinstance(v, str) else "<file>" for k, v in form.items()})
        call = BotCall(method, params)
        self.calls.append(call)
        name = method.lower()
        if name in _ACCEPTED:
            return _ok(True)
        chat_id = str(params.get("chat_id", ""))
        if chat_id.lstrip("-").isdigit() and counts(name, int(chat_id)):
            wait = self.limits.check(name, int(chat_id))
            if wait is not None:
                self.flood.append(call)
                return web.json_response(
                    too_many_requests(self.limits.retry_after(wait)), status=429
                )
        handler = self._methods.get(name, self._forward_as_is)
        return await handler(token, method, params)

    async def _emulator(self, token: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
        assert self._http is not None
        body = {k: _json_param(v) if k in _JSON_FIELDS else v for k, v in params.items()}
        async with self._http.post(f"{self.emulator_url}/bot{token}/{method}", json=body) as r:
            return await r.json(content_type=None)

    async def _forward_as_is(self, token: str, method: str, params: dict[str, Any]) -> web.Response:
        reply = await self._emulator(token, method, params)
        if "ok" not in reply:  # the emulator's own error shape: {"message": "..."}
            self.unsupported.append(BotCall(method, params))
            logger.warning("emulator cannot do %s: %s", method, reply.get("message"))
            return _telegram_error(400, f"Bad Request: {method} is not emulated")
        return web.json_response(reply)

    # -- getMe -----------------------------------------------------------------------------

    @staticmethod
    def _bot_user(token: str) -> dict[str, Any]:
        return {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": "QualityQuiz",
            "username": "QualityQuizTestBot",
        }

    async def _get_me(self, token: str, method: str, params: dict[str, Any]) -> web.Response:
        reply = await self._emulator(token, "getMe", params)
        me = {**reply["result"], **self._bot_user(token)}
        me.setdefault("can_join_groups", True)
        me.setdefault("can_read_all_group_messages", False)
        me.setdefault("supports_inline_queries", False)
        return _ok(me)

    # -- getUpdates: offset and long polling -----------------------------------------------

    async def _get_updates(self, token: str, method: str, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), MAX_LONG_POLL)
        deadline = time.monotonic() + timeout
        while True:
            # Shielded: an emulator read marks updates read, so it must land in the queue
            # even if the bot that asked has just been killed.
            pending = await asyncio.shield(self._pull(token, offset))
            if pending or time.monotonic() >= deadline or self._stopping:
                return _ok(pending[:limit])
            await asyncio.sleep(POLL_INTERVAL)

    async def _pull(self, token: str, offset: int) -> list[dict[str, Any]]:
        async with self._pull_lock:
            queue = self._pending.setdefault(token, [])
            if offset > 0:
                queue[:] = [u for u in queue if u["update_id"] >= offset]
            reply = await self._emulator(token, "getUpdates", {})
            queue.extend(self._complete_update(u) for u in reply["result"])
            return list(queue)

    @staticmethod
    def _complete_update(update: dict[str, Any]) -> dict[str, Any]:
        query = update.get("callback_query")
        if query is not None:
            # Required by the Bot API, dropped by the emulator's update formatter.
            chat = (query.get("message") or {}).get("chat") or {}
            query.setdefault("chat_instance", str(chat.get("id", query["from"]["id"])))
        message = update.get("message")
        if message is not None:
            message.pop("botToken", None)
        return update

    async def _delete_webhook(
        self, token: str, method: str, params: dict[str, Any]
    ) -> web.Response:
        reply = await self._emulator(token, "deleteWebhook", params)
        if str(params.get("drop_pending_updates", "")).lower() in {"true", "1"}:
            async with self._pull_lock:
                await self._emulator(token, "getUpdates", {})
                self._pending[token] = []
        return web.json_response(reply)

    async def _get_webhook_info(
        self, token: str, method: str, params: dict[str, Any]
    ) -> web.Response:
        pending = len(self._pending.get(token, []))
        return _ok({"url": "", "has_custom_certificate": False, "pending_update_count": pending})

    # -- messages: complete results, edits like Telegram's ---------------------------------

    def _clean_message(self, token: str, sent: dict[str, Any], chat_id: str) -> dict[str, Any]:
        date = int(sent.get("date") or time.time())
        message: dict[str, Any] = {
            "message_id": int(sent["message_id"]),
            "from": self._bot_user(token),
            "chat": {"id": int(chat_id), "type": "private"},
            "date": date // 1000 if date > 10**11 else date,  # the emulator uses milliseconds
            "text": sent.get("text", ""),
        }
        markup = _json_param(sent.get("reply_markup"))
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        return message

    async def _send_message(self, token: str, method: str, params: dict[str, Any]) -> web.Response:
        reply = await self._emulator(token, "sendMessage", params)
        if not reply.get("ok"):
            return web.json_response(reply)
        chat_id = str(params["chat_id"])
        message = self._clean_message(token, reply["result"], chat_id)
        self._messages[(chat_id, message["message_id"])] = message
        return _ok(message)

    async def _edit_message(self, token: str, method: str, params: dict[str, Any]) -> web.Response:
        if "inline_message_id" in params:
            return _ok(True)
        key = (str(params.get("chat_id")), int(params.get("message_id") or 0))
        current = self._messages.get(key)
        if current is None:
            return _telegram_error(400, "Bad Request: message to edit not found")
        edited = dict(current)
        if method.lower() == "editmessagetext":
            edited["text"] = params.get("text", "")
        # Telegram drops the inline keyboard when an edit carries none; the emulator keeps it.
        markup = _json_param(params.get("reply_markup")) or {"inline_keyboard": []}
        edited["reply_markup"] = markup
        if _same(edited, current):
            return _telegram_error(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        await self._emulator(token, method, {**params, "reply_markup": markup})
        edited["edit_date"] = int(time.time())
        self._messages[key] = edited
        result = {k: v for k, v in edited.items() if k != "reply_markup" or v["inline_keyboard"]}
        return _ok(result)

    async def _answer_callback_query(
        self, token: str, method: str, params: dict[str, Any]
    ) -> web.Response:
        await self._emulator(token, "answerCallbackQuery", params)
        return _ok(True)  # the emulator answers null; Telegram answers True


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def markup(m: dict[str, Any]) -> Any:
        return (m.get("reply_markup") or {}).get("inline_keyboard") or []

    return a.get("text") == b.get("text") and markup(a) == markup(b)
