"""Logs: LOG_LEVEL is honoured, LOG_FORMAT=json gives one parseable object per line with the
update's id, kind and latency, and the text format shows the update too."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from ops.logs import QUIET_AT_INFO, configure_logging, update_context
from tests.fakes.chat import ChatDriver


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    yield stream
    for handler in list(root.handlers):
        if getattr(handler, "_qualityquiz", False):
            root.removeHandler(handler)
    root.setLevel(level)
    for name in QUIET_AT_INFO:
        logging.getLogger(name).setLevel(logging.NOTSET)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


async def test_json_lines_carry_the_update_id_kind_and_latency(
    log_stream: io.StringIO, worker_chat: ChatDriver
) -> None:
    configure_logging("DEBUG", "json", stream=log_stream)
    await worker_chat.send("/help")
    done = [line for line in lines(log_stream) if "latency_ms" in line]
    assert len(done) == 1
    line = done[0]
    assert line["kind"] == "message" and isinstance(line["update_id"], int)
    assert line["latency_ms"] >= 0 and line["level"] == "DEBUG"
    assert line["logger"] == "bot.metrics_middleware"
    assert "张三" not in log_stream.getvalue()  # ids, not names


def test_log_level_is_honoured_and_alembic_info_is_quiet(log_stream: io.StringIO) -> None:
    configure_logging("WARNING", "text", stream=log_stream)
    logging.getLogger("qualityquiz").info("not shown")
    logging.getLogger("qualityquiz").warning("shown")
    configure_logging("INFO", "text", stream=log_stream)
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    logging.getLogger("qualityquiz").info("also shown")
    text = log_stream.getvalue()
    assert "shown" in text and "also shown" in text
    assert "not shown" not in text and "Context impl" not in text


def test_text_lines_name_the_update_they_belong_to(log_stream: io.StringIO) -> None:
    configure_logging("INFO", "text", stream=log_stream)
    with update_context(77, "callback_query"):
        logging.getLogger("qualityquiz").info("something happened")
    logging.getLogger("qualityquiz").info("outside")
    first, second = log_stream.getvalue().splitlines()
    assert first.endswith("something happened [update 77 callback_query]")
    assert second.endswith("outside")
