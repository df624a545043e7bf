"""What every organiser router shares: who may act, the polite refusal, audit, error text."""

from __future__ import annotations

import html
from typing import Any

from aiogram.filters import BaseFilter, CommandObject
from aiogram.types import CallbackQuery, Message, User
from sqlalchemy.ext.asyncio import AsyncSession

from bot.roles import is_organiser
from config import Settings
from contest.errors import ContestError
from contest.organisers import audit
from i18n import t
from storage.types import Clock


class OrganiserFilter(BaseFilter):
    """Passes for organisers (with ``super_admin`` only for ``ADMIN_IDS``; with
    ``global_only`` only for organisers of all competitions, as bank and roster changes need).

    A filter rather than a refusal, so a non-organiser's document or button falls through
    to the routers after ours.
    """

    def __init__(self, *, super_admin: bool = False, global_only: bool = False) -> None:
        self.super_admin = super_admin
        self.global_only = global_only

    async def __call__(
        self, event: Message | CallbackQuery, session: AsyncSession, settings: Settings
    ) -> bool:
        user = event.from_user
        if user is None:
            return False
        if self.super_admin:
            return user.id in settings.admin_ids
        return await is_organiser(
            session, settings=settings, telegram_id=user.id, global_only=self.global_only
        )


async def may_manage(
    session: AsyncSession, *, settings: Settings, user: User, competition_id: int
) -> bool:
    """An organiser of this competition (global organisers and super-admins included)."""
    return await is_organiser(
        session, settings=settings, telegram_id=user.id, competition_id=competition_id
    )


async def refuse(
    message: Message,
    session: AsyncSession,
    *,
    lang: str,
    clock: Clock,
    key: str = "admin.refused",
    action: str | None = None,
) -> None:
    """The polite refusal for admin commands from anyone else; the attempt is audited."""
    command = action or (message.text or "").split(maxsplit=1)[0][:50]
    user_id = message.from_user.id if message.from_user else 0
    await audit(
        session, actor_id=user_id, action=command or "command", outcome="denied", clock=clock
    )
    await message.answer(t(key, lang))


def contest_error_text(exc: ContestError, lang: str) -> str:
    """The contest core's error in ``lang``; a code without a translation still reads sanely."""
    params = {k: html.escape(str(v)) for k, v in exc.params.items()}
    for key in (f"admin.error.{exc.code}", f"contest.error.{exc.code}"):
        try:
            return t(key, lang, **params)
        except (KeyError, IndexError):
            continue
    return t("admin.error.generic", lang, code=html.escape(exc.code))


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
