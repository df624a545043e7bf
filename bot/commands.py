"""The command menus Telegram shows, in Chinese (default) and English.

Workers see their commands everywhere; super-admins, and organisers once granted, also get
the organiser menu in their private chat with the bot (a chat-scoped command list).
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat

from i18n import t

logger = logging.getLogger(__name__)

WORKER_COMMANDS = (
    "start",
    "quiz",
    "practice",
    "mistakes",
    "rank",
    "results",
    "continue",
    "me",
    "language",
    "mute",
    "unmute",
    "help",
)
ORGANISER_COMMANDS = (
    "setup",
    "competitions",
    "new_competition",
    "set_times",
    "set_schedule",
    "stats",
    "export",
    "broadcast",
    "teams",
    "move",
    "pending",
    "merge",
    "confirm",
    "schedules",
    "organisers",
    "grant",
    "revoke",
    "audit",
    "web_login",
    "web_links",
    "screen",
    "bind_webhook",
    "live_new",
    "live",
    "live_links",
)


def command_list(lang: str, *, organiser: bool = False) -> list[BotCommand]:
    names = WORKER_COMMANDS + (ORGANISER_COMMANDS if organiser else ())
    return [BotCommand(command=name, description=t(f"commands.{name}", lang)) for name in names]


async def register_commands(bot: Bot, *, admin_ids: frozenset[int] = frozenset()) -> None:
    """setMyCommands for Chinese (the default list) and English, plus the admins' menu."""
    await bot.set_my_commands(command_list("zh"))
    await bot.set_my_commands(command_list("zh"), language_code="zh")
    await bot.set_my_commands(command_list("en"), language_code="en")
    for admin_id in admin_ids:
        await organiser_menu(bot, admin_id)


async def organiser_menu(bot: Bot, chat_id: int, *, lang: str = "zh", show: bool = True) -> None:
    """Give (or, with ``show=False``, take away) an organiser's command menu in their chat."""
    scope = BotCommandScopeChat(chat_id=chat_id)
    try:
        if show:
            await bot.set_my_commands(command_list(lang, organiser=True), scope=scope)
        else:
            await bot.delete_my_commands(scope=scope)
    except TelegramAPIError:  # someone who never opened the bot has no chat yet
        logger.info("no organiser menu for %s yet (no chat with the bot)", chat_id)
