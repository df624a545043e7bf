"""The one helper that makes every long text fit Telegram's 4,096 characters."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import Message

from bot.long_text import LIMIT, MAX_PARTS, paginate, plain, send_text, split_text
from tests.fakes.chat import ChatDriver
from tests.fakes.telegram import FakeTelegram


def test_split_cuts_between_lines_and_keeps_every_line() -> None:
    lines = [f"• 第{i}行 " + "质" * 50 for i in range(400)]
    parts = split_text("\n".join(lines))
    assert len(parts) > 1 and all(len(p) <= LIMIT for p in parts)
    assert "\n".join(parts).split("\n") == lines


def test_a_single_overlong_line_is_cut_too() -> None:
    parts = split_text("x" * (LIMIT * 2 + 10))
    assert [len(p) for p in parts] == [LIMIT, LIMIT, 10]
    assert split_text("") == [""]


def test_pages_respect_both_line_and_character_limits() -> None:
    pages = paginate([f"{i} " + "长" * 200 for i in range(100)], max_lines=25, max_chars=3500)
    assert all(len(p) <= 25 and sum(len(x) + 1 for x in p) <= 3500 for p in pages)
    assert sum(len(p) for p in pages) == 100


async def test_a_wall_of_text_goes_as_a_file(
    admin_chat: ChatDriver, bot: Bot, api: FakeTelegram
) -> None:
    await admin_chat.send("/help")
    message = admin_chat.last_bot_message()
    target = Message.model_validate(message, context={"bot": bot})
    short = "\n".join(f"<b>{i}</b> &amp; 行" for i in range(10))
    before = len(api.requests)
    await send_text(target, short)
    assert [r.method for r in api.requests[before:]] == ["sendMessage"]
    huge = "\n".join(f"<b>{i}</b> &amp; " + "字" * 100 for i in range(MAX_PARTS * 60))
    before = len(api.requests)
    await send_text(target, huge, filename="audit.txt")
    (sent,) = api.requests[before:]
    assert sent.method == "sendDocument"
    (content,) = sent.files.values()
    assert content.decode("utf-8-sig") == plain(huge) and "<b>" not in plain(huge)
