"""Logging for operators and machines: LOG_LEVEL, LOG_FORMAT=text|json, and update context.

An update middleware sets ``update_id`` and ``update_kind`` (context variables, so every
line logged while that update is handled carries them, in whichever task or coroutine) and
passes ``latency_ms`` as an ``extra`` on the line that closes the update. JSON lines carry
only ids, kinds and numbers: no names, no message text beyond what the code logs itself.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

update_id_var: ContextVar[int | None] = ContextVar("update_id", default=None)
update_kind_var: ContextVar[str | None] = ContextVar("update_kind", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(update_context)s"
# Libraries that talk a lot at INFO: Alembic's "Context impl SQLiteImpl." on every CLI
# command, aiogram's line per update (our middleware's line and the metrics replace it).
QUIET_AT_INFO = ("alembic", "aiogram.event")
_EXTRA_FIELDS = ("latency_ms", "chat_id", "user_id")


@contextmanager
def update_context(update_id: int | None, kind: str | None) -> Iterator[None]:
    """Tag every log line inside the block with this update's id and kind."""
    id_token = update_id_var.set(update_id)
    kind_token = update_kind_var.set(kind)
    try:
        yield
    finally:
        update_id_var.reset(id_token)
        update_kind_var.reset(kind_token)


class UpdateContextFilter(logging.Filter):
    """Copies the context variables onto each record (``update_id``, ``update_kind``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        update_id, kind = update_id_var.get(), update_kind_var.get()
        record.update_id = update_id
        record.update_kind = kind
        record.update_context = f" [update {update_id} {kind}]" if update_id is not None else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, update id/kind, latency."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        update_id = getattr(record, "update_id", None)
        if update_id is not None:
            line["update_id"] = update_id
            line["kind"] = getattr(record, "update_kind", None)
        for name in _EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is logged (test runners swap it)."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure_logging(
    level: str | int = "INFO", fmt: str = "text", *, stream: TextIO | None = None
) -> None:
    """Send the root logger's lines to ``stream`` (stderr) at ``level``, as text or JSON.

    Replaces the handler this function installed before (so the CLI and tests may call it
    again) and leaves other handlers alone.
    """
    numeric = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_qualityquiz", False):
            root.removeHandler(old)
    handler: logging.Handler = (
        logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    )
    setattr(handler, "_qualityquiz", True)  # noqa: B010 - marks the handler as ours
    handler.addFilter(UpdateContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(numeric)
    for name in QUIET_AT_INFO:
        logging.getLogger(name).setLevel(logging.WARNING if numeric > logging.DEBUG else numeric)
