"""The command menus Telegram shows, in Chinese (default) and English."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand

from i18n import t

WORKER_COMMANDS = (
    "start",
    "quiz",
    "practice",
    "rank",
    "results",
    "continue",
    "language",
    "mute",
    "help",
)


def command_list(lang: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=t(f"commands.{name}", lang))
        for name in WORKER_COMMANDS
    ]


async def register_commands(bot: Bot) -> None:
    """setMyCommands for Chinese (the default list) and for English-speaking clients."""
    await bot.set_my_commands(command_list("zh"))
    await bot.set_my_commands(command_list("zh"), language_code="zh")
    await bot.set_my_commands(command_list("en"), language_code="en")
