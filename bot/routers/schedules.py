"""Router: a worker's notification settings — /mute, /unmute, /practice_push."""

from __future__ import annotations

from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.errors import Registered
from bot.routing import Routes
from chat.turn import Turn
from contest.preferences import set_muted, set_practice_push
from i18n import t

router = Routes(__name__)


@router.message(Command("mute", "unmute"), Registered())
async def on_mute(message: Message, turn: Turn, command: CommandObject) -> None:
    assert turn.my_id is not None
    muted = command.command == "mute"
    await set_muted(turn.session, worker_id=turn.my_id, muted=muted)
    await message.answer(
        t("scheduler.prefs.muted" if muted else "scheduler.prefs.unmuted", turn.lang)
    )


@router.message(Command("practice_push"), Registered())
async def on_practice_push(message: Message, turn: Turn, command: CommandObject) -> None:
    assert turn.my_id is not None
    choice = (command.args or "").strip().lower()
    if choice not in {"on", "off", "开", "关"}:
        await message.answer(t("scheduler.prefs.practice_usage", turn.lang))
        return
    enabled = choice in {"on", "开"}
    await set_practice_push(turn.session, worker_id=turn.my_id, enabled=enabled)
    await message.answer(
        t("scheduler.prefs.practice_on" if enabled else "scheduler.prefs.practice_off", turn.lang)
    )
