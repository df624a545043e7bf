"""An organiser's typed commands to the app (钉钉/飞书): ``绑定 <竞赛编号>`` in a group binds it
to the competition's announcements; in the private chat ``公告 <编号> <文字>`` queues a text
for every group bound to it, and ``开始 <编号>`` / ``结束 <编号>`` open and close it now.

Who may is the core's one policy (:mod:`contest.admin.policy`): the turn's actor is a
super-admin when the account is listed in ``MESSENGER_ADMINS``, else the organiser grants of
the worker's Telegram account, if any. Refusals are audited like everywhere else.
"""

from __future__ import annotations

from chat.cards import Card
from chat.texts import tr
from chat.turn import Turn
from contest.admin.competitions import close_competition, open_competition
from contest.admin.policy import Actor
from contest.app_groups import announce, bind_group
from contest.errors import ContestError

WORDS = {
    "绑定": "bind",
    "bind": "bind",
    "公告": "announce",
    "announce": "announce",
    "开始": "open",
    "open": "open",
    "结束": "close",
    "close": "close",
}


def command_of(text: str) -> tuple[str, list[str]] | None:
    """The organiser command a text is (its word and arguments), if it is one."""
    parts = text.strip().split(maxsplit=2)
    if len(parts) < 2 or parts[0].lower() not in WORDS or not parts[1].isdigit():
        return None
    return WORDS[parts[0].lower()], parts[1:]


async def run(turn: Turn, command: tuple[str, list[str]], *, group: str | None, key: str) -> Card:
    word, args = command
    actor, lang, competition_id = _actor(turn), turn.lang, int(args[0])
    title = tr("messenger.title.organiser", lang)
    if word == "bind":
        if group is None:
            raise ContestError("bind_in_group")
        changed = await bind_group(
            turn.session,
            actor=actor,
            platform=turn.via,
            conversation_id=group,
            competition_id=competition_id,
            language=lang,
            clock=turn.clock,
        )
        return Card(
            title,
            tr(
                "messenger.admin.bound" if changed else "messenger.admin.already",
                lang,
                id=competition_id,
            ),
        )
    if word == "announce":
        text = args[1] if len(args) > 1 else ""
        queued = await announce(
            turn.session,
            actor=actor,
            competition_id=competition_id,
            text=text,
            key=key,
            clock=turn.clock,
        )
        return Card(title, tr("messenger.admin.announced", lang, count=queued))
    change, done = (open_competition, "opened") if word == "open" else (close_competition, "closed")
    competition = await change(
        turn.session, actor=actor, competition_id=competition_id, clock=turn.clock
    )
    return Card(title, tr(f"messenger.admin.{done}", lang, name=competition.name))


def _actor(turn: Turn) -> Actor:
    if turn.actor is None:
        raise ContestError("denied")
    return turn.actor
