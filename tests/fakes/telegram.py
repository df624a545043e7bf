"""A fake Telegram Bot API: an aiogram ``BaseSession`` that records and answers requests.

Like aiogram's own ``tests/mocked_bot.py`` it fakes only the outer boundary (HTTP to
Telegram). Unlike a plain mock it keeps each chat's messages, so edits apply, and it enforces
the payload limits the real API enforces (text ≤ 4096, caption ≤ 1024, callback_data ≤ 64
bytes, "message is not modified") with the real error responses, which aiogram turns into
the same exceptions it raises in production. Errors can be queued per method (429 with
``retry_after``, 403, 5xx) to exercise the sender. Built with ``flood=FloodControl()`` it
also keeps Telegram's flood limits on every message (:mod:`tests.fakes.flood`): 30/s per
bot, one a second per chat with a short burst, 20/min per group, 429 with ``retry_after``.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict, deque
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile

from tests.fakes.flood import FloodControl, counts, too_many_requests

BOT_ID = 42
BOT_USERNAME = "quality_quiz_bot"


@dataclass
class Request:
    """One recorded call: the API method name and its JSON-ready parameters."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # the uploaded files' names

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        markup = self.params.get("reply_markup") or {}
        return markup.get("inline_keyboard") or []

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [button for row in self.keyboard for button in row]


class FakeTelegram(BaseSession):
    """Records requests in ``self.requests`` and answers them like the Bot API would."""

    def __init__(self, *, flood: FloodControl | None = None) -> None:
        super().__init__()
        self.flood = flood
        self.requests: list[Request] = []
        self.chats: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
        self.files: dict[str, bytes] = {}
        self.file_sizes: dict[str, int] = {}
        self._errors: dict[str, deque[tuple[int, dict[str, Any]]]] = defaultdict(deque)
        self._message_ids = itertools.count(1000)
        self.blocked_chats: set[int] = set()

    # -- test controls -----------------------------------------------------------------
    def queue_error(self, method: str, status: int, description: str, **parameters: Any) -> None:
        """The next call of ``method`` fails with this HTTP status and Bot API error body."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self._errors[method].append((status, body))

    def take_time(self, clock: Any, seconds: float) -> list[Any]:
        """From now on every message with a keyboard takes ``seconds`` (on the test's movable
        ``clock``) to be accepted, as a slow Telegram would; the list of acceptance times."""
        respond, accepted = self._respond, []

        def slow(name: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
            if name in ("sendMessage", "editMessageText") and params.get("reply_markup"):
                accepted.append(clock.advance(seconds=seconds))
            return respond(name, params, files)

        self._respond = slow  # type: ignore[method-assign]
        return accepted

    def add_file(self, file_id: str, content: bytes, *, size: int | None = None) -> None:
        """Serve ``content`` for getFile/download of ``file_id``."""
        self.files[file_id] = content
        self.file_sizes[file_id] = len(content) if size is None else size

    def sent(self, method: str | None = None, chat_id: int | None = None) -> list[Request]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (chat_id is None or r.chat_id == chat_id)
        ]

    def last(self, method: str | None = None, chat_id: int | None = None) -> Request:
        found = self.sent(method, chat_id)
        assert found, f"no {method or 'request'} sent to {chat_id}"
        return found[-1]

    def clear(self) -> None:
        self.requests.clear()

    def next_message_id(self) -> int:
        """The id of a new message from either side: like Telegram's private chats, the
        user's and the bot's messages share one increasing sequence."""
        return next(self._message_ids)

    # -- BaseSession -------------------------------------------------------------------
    async def close(self) -> None:
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - aiogram BaseSession signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        path = url.rsplit("/", 1)[-1]
        yield self.files[path]

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram BaseSession signature
    ) -> TelegramType:
        name = method.__api_method__
        files: dict[str, InputFile] = {}
        params: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None:
                params[key] = prepared
        raw_files = {}
        for key, input_file in files.items():
            chunks = [chunk async for chunk in input_file.read(bot)]
            raw_files[key] = b"".join(chunks)
        names = {key: str(f.filename) for key, f in files.items()}
        self.requests.append(Request(name, params, raw_files, names))
        status, body = self._respond(name, params, raw_files)
        response = self.check_response(bot, method, status, json.dumps(body))
        return response.result  # type: ignore[return-value]

    # -- behaviour ---------------------------------------------------------------------
    def _respond(
        self, name: str, params: dict[str, Any], files: dict[str, bytes]
    ) -> tuple[int, dict[str, Any]]:
        if self._errors[name]:
            return self._errors[name].popleft()
        chat_id = params.get("chat_id")
        if self.flood is not None and chat_id is not None and counts(name, int(chat_id)):
            wait = self.flood.check(name, int(chat_id))
            if wait is not None:
                return 429, too_many_requests(self.flood.retry_after(wait))
        if chat_id in self.blocked_chats:
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        problem = self._payload_problem(params)
        if problem:
            return 400, {"ok": False, "error_code": 400, "description": problem}
        handler = getattr(self, f"_api_{name}", None)
        result = handler(params, files) if handler else True
        if isinstance(result, tuple):
            return result
        return 200, {"ok": True, "result": result}

    @staticmethod
    def _payload_problem(params: dict[str, Any]) -> str | None:
        if len(str(params.get("text", ""))) > 4096:
            return "Bad Request: message is too long"
        if len(str(params.get("caption", ""))) > 1024:
            return "Bad Request: message caption is too long"
        if "text" in params and not str(params["text"]).strip():
            return "Bad Request: message text is empty"
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    return "Bad Request: BUTTON_DATA_INVALID"
                if not button.get("text"):
                    return "Bad Request: text buttons are unallowed in the inline keyboard"
        return None

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = params["chat_id"]
        message = {
            "message_id": next(self._message_ids),
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": chat_id, "type": "private" if int(chat_id) > 0 else "supergroup"},
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "QualityQuiz",
                "username": BOT_USERNAME,
            },
            **extra,
        }
        markup = params.get("reply_markup") or {}
        if "inline_keyboard" in markup:  # a message carries only inline keyboards, as in Telegram
            message["reply_markup"] = markup
        self.chats[int(chat_id)][message["message_id"]] = message
        return message

    def _api_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "QualityQuiz", "username": BOT_USERNAME}

    def _api_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self._message(params, text=params["text"])

    def _api_sendPhoto(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        photo = [{"file_id": "photo1", "file_unique_id": "p1", "width": 800, "height": 600}]
        return self._message(params, photo=photo, caption=params.get("caption"))

    def _api_sendDocument(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        name = next(iter(files), "document")
        document = {"file_id": f"doc-{name}", "file_unique_id": name, "file_name": name}
        return self._message(params, document=document, caption=params.get("caption"))

    def _api_editMessageText(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self.chats.get(int(params["chat_id"]), {})
        message = chat.get(int(params["message_id"]))
        if message is None:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message to edit not found",
            }
        new_markup = params.get("reply_markup")
        if message.get("text") == params["text"] and message.get("reply_markup") == new_markup:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message is not modified",
            }
        message["text"] = params["text"]
        message.pop("reply_markup", None)
        if new_markup:
            message["reply_markup"] = new_markup
        return message

    def _api_editMessageReplyMarkup(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self.chats.get(int(params["chat_id"]), {})
        message = chat.get(int(params["message_id"]))
        if message is None:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message to edit not found",
            }
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _api_getFile(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        file_id = params["file_id"]
        if file_id not in self.files:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: invalid file_id",
            }
        if self.file_sizes[file_id] > 20 * 1024 * 1024:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: file is too big",
            }
        return {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_size": self.file_sizes[file_id],
            "file_path": file_id,
        }
