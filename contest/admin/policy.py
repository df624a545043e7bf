"""Who may do what: the one permission policy every organiser action goes through.

The edge says who is acting (an :class:`Actor`: the bot decides ``super_admin`` from
``ADMIN_IDS``, the CLI acts as the system); each action names what it needs (:data:`NEEDS`)
and :func:`allowed` decides. Refusals are raised as :class:`Denied`, a ``ContestError`` like
any other, so every adapter translates them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from contest.errors import ContestError
from contest.organisers import granted_competitions, has_grant


@dataclass(frozen=True)
class Actor:
    """Who acts: a Telegram user (``user_id``), or the system (the operator's CLI)."""

    user_id: int
    super_admin: bool = False
    via: str = "telegram"
    system: bool = False
    name: str = ""  # who the operator says they are (``--by``), recorded with their actions

    @classmethod
    def operator(cls, via: str = "cli", name: str = "") -> Actor:
        """The person at the server's terminal: may do everything, audited as user 0."""
        return cls(0, super_admin=True, via=via, system=True, name=name)

    @property
    def label(self) -> str:
        """How records name them: a Telegram id, or the operator's name."""
        return self.name or (self.via if self.system else str(self.user_id))


class Need(StrEnum):
    ORGANISER = "organiser"  # any grant: read the lists
    COMPETITION = "competition"  # an organiser of that competition (global ones included)
    GLOBAL = "global"  # an organiser of all competitions: bank, roster, teams, new competitions
    SUPER = "super"  # a super-admin (ADMIN_IDS): who is an organiser


NEEDS: dict[str, Need] = {
    "competition.list": Need.ORGANISER,
    "team.list": Need.ORGANISER,
    "organiser.list": Need.ORGANISER,
    "audit.list": Need.ORGANISER,
    "schedule.list": Need.ORGANISER,
    "bank.status": Need.ORGANISER,
    "competition.open": Need.COMPETITION,
    "competition.close": Need.COMPETITION,
    "competition.archive": Need.COMPETITION,
    "competition.set_times": Need.COMPETITION,
    "competition.set_schedule": Need.COMPETITION,
    "competition.stats": Need.COMPETITION,
    "results.export": Need.COMPETITION,
    "broadcast.queue": Need.COMPETITION,
    "chat.bind": Need.COMPETITION,
    "chat.unbind": Need.COMPETITION,
    "schedule.pause": Need.COMPETITION,
    "schedule.resume": Need.COMPETITION,
    "screen.issue": Need.COMPETITION,  # a big-screen link (/screen)
    "screen.revoke": Need.COMPETITION,
    "robot.bind": Need.COMPETITION,  # a WeCom / DingTalk / Feishu robot (/bind_webhook)
    "robot.unbind": Need.COMPETITION,
    "web.login": Need.COMPETITION,  # allow 工号 + 姓名 login to the browser quiz
    "web.links": Need.COMPETITION,  # the sheet of personal quiz links
    "competition.create": Need.GLOBAL,
    "worker.move": Need.GLOBAL,
    "worker.pending": Need.GLOBAL,  # 待确认 workers: they change every competition's teams
    "worker.confirm": Need.GLOBAL,
    "worker.merge": Need.GLOBAL,
    "upload.check": Need.GLOBAL,  # reading a bank or roster file before it is imported
    "bank.import": Need.GLOBAL,
    "roster.import": Need.GLOBAL,
    "organiser.grant": Need.SUPER,
    "organiser.revoke": Need.SUPER,
}


class Denied(ContestError):
    """Not allowed. ``denied`` for someone who is no organiser at all (one wording for every
    action); the others tell an organiser which permission is missing."""


async def allowed(
    session: AsyncSession, actor: Actor, need: Need, *, competition_id: int | None = None
) -> bool:
    if actor.super_admin:
        return True
    if need is Need.SUPER:
        return False
    if need is Need.COMPETITION and competition_id is not None:
        return await has_grant(session, telegram_id=actor.user_id, competition_id=competition_id)
    global_only = need in (Need.GLOBAL, Need.COMPETITION)
    return await has_grant(session, telegram_id=actor.user_id, global_only=global_only)


async def managed_ids(session: AsyncSession, actor: Actor) -> set[int] | None:
    """The competitions ``actor`` organises: None for all of them (one query, for lists)."""
    if actor.super_admin:
        return None
    return await granted_competitions(session, telegram_id=actor.user_id)


async def refusal(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    competition_id: int | None = None,
    need: Need | None = None,
) -> Denied | None:
    """None when ``actor`` may do ``action`` (or, with ``need``, what it needs here: a
    picker only needs an organiser); else the refusal to raise."""
    need = need or NEEDS[action]
    if await allowed(session, actor, need, competition_id=competition_id):
        return None
    if not await has_grant(session, telegram_id=actor.user_id):
        return Denied("denied")
    if need is Need.COMPETITION and competition_id is not None:
        return Denied("denied_competition", competition_id=competition_id)
    return Denied("denied_super" if need is Need.SUPER else "denied_global")
