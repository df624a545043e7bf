"""What every organiser router shares: who is acting, routing by role, pickers, helpers.

Permission is the core's (``contest.admin.policy``): the edge only says who acts — an
:class:`Actor` whose ``super_admin`` comes from ``ADMIN_IDS`` — and routes documents and
the organiser's own /start and /help with :class:`OrganiserFilter`. Refusals are
``ContestError``s that :mod:`bot.errors` translates.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Literal

from aiogram.filters import BaseFilter, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import RowId
from bot.errors import install
from bot.routing import Routes
from chat.turn import Turn
from contest.admin import competitions as admin
from contest.admin.audit import authorize
from contest.admin.policy import Need, allowed
from contest.models import Competition, CompetitionStatus
from i18n import t
from storage.ids import id_of

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
PickAction = Literal[
    "open", "close", "set_times", "set_schedule", "stats", "export", "broadcast", "bind"
]
PICKER_SIZE = 12
Status = CompetitionStatus
ACTIONS: dict[PickAction, str] = {
    "open": "competition.open",
    "close": "competition.close",
    "set_times": "competition.set_times",
    "set_schedule": "competition.set_schedule",
    "stats": "competition.stats",
    "export": "results.export",
    "broadcast": "broadcast.queue",
    "bind": "chat.bind",
}
CHOICES: dict[PickAction, set[CompetitionStatus] | None] = {
    "open": {Status.DRAFT, Status.SCHEDULED},
    "close": {Status.SCHEDULED, Status.OPEN},
    "set_times": {Status.DRAFT, Status.SCHEDULED, Status.OPEN},
    "set_schedule": {Status.DRAFT, Status.SCHEDULED, Status.OPEN},
    "stats": None,
    "export": None,
    "broadcast": {Status.SCHEDULED, Status.OPEN, Status.CLOSED},
    "bind": {Status.DRAFT, Status.SCHEDULED, Status.OPEN},
}


def admin_router(name: str) -> Routes:
    """A router for organiser features: refusals translated for organisers."""
    return install(Routes(name), organiser=True)


class OrganiserFilter(BaseFilter):
    """Routing only: passes for organisers, so a non-organiser's document or /start goes to
    the routers after ours (permission itself is decided by the core)."""

    async def __call__(self, event: Message | CallbackQuery, turn: Turn) -> bool:
        return turn.actor is not None and await allowed(turn.session, turn.actor, Need.ORGANISER)


class PickCb(CallbackData, prefix="pick"):
    """A competition chosen for a command typed without its number."""

    action: PickAction
    c: RowId


def picker(competitions: Iterable[Competition], action: PickAction) -> InlineKeyboardMarkup:
    """One button per competition (newest first, the first :data:`PICKER_SIZE`)."""
    builder = InlineKeyboardBuilder()
    for competition in list(competitions)[:PICKER_SIZE]:
        label = f"#{competition.id} {competition.name}"[:60]
        builder.button(text=label, callback_data=PickCb(action=action, c=id_of(competition)))
    builder.adjust(1)
    return builder.as_markup()


def int_args(command: CommandObject | None) -> list[int] | None:
    """Whitespace-separated integer arguments, or None when one is not a number."""
    parts = (command.args or "").split() if command else []
    try:
        return [int(p.lstrip("#")) for p in parts]
    except ValueError:
        return None


def counts_lines(counts: dict[Any, int], label: Any, lang: str) -> list[str]:
    """ "• 单选题：10" lines, biggest first; ``label`` turns a key into display text."""
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return [
        t("admin.count_line", lang, name=html.escape(label(key)), count=count)
        for key, count in ordered
    ]


async def confirm_cancelled(query: CallbackQuery, lang: str) -> None:
    """A 取消 button was pressed: acknowledge, drop the buttons, say nothing was changed."""
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(t("admin.cancelled", lang))


async def offer(message: Message, turn: Turn, action: PickAction) -> Competition | None:
    """The organiser's competitions for ``action`` as buttons; the only one, when there is
    one and ``action`` only reads (stats, export)."""
    rows = await admin.managed_competitions(
        turn.session,
        actor=turn.acting,
        action=ACTIONS[action],
        statuses=CHOICES[action],
        clock=turn.wall,
    )
    if not rows:
        await message.answer(t("admin.pick.none", turn.lang))
        return None
    if len(rows) == 1 and action in ("stats", "export"):
        return rows[0]
    await message.answer(t(f"admin.pick.{action}", turn.lang), reply_markup=picker(rows, action))
    return None


async def ask_for(
    turn: Turn, state: FSMContext, *, action: str, competition_id: int, step: State
) -> None:
    """Before asking a question about a competition: may ``actor`` do ``action`` on it (the
    core refuses and audits), then remember which competition the answer is for."""
    await authorize(
        turn.session, turn.acting, action, competition_id=competition_id, clock=turn.wall
    )
    await state.set_state(step)
    await state.set_data({"competition_id": competition_id})
