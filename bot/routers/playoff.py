"""Router: /playoff — the 加赛 of workers tied on score at the top (``contest.playoff``)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import Command
from aiogram.types import Message

from bot.errors import Registered, install
from bot.quiz_messages import show
from bot.routing import Routes
from chat.turn import Turn
from contest.playoff import play_playoff

router = install(Routes(__name__))
router.message.filter(Registered())


@router.message(Command("playoff"))
async def on_playoff(message: Message, turn: Turn, bot: Bot) -> None:
    item = await play_playoff(turn.session, worker=turn.me, clock=turn.clock, tz=turn.tz)
    await show(bot, turn, item, chat_id=message.chat.id)
