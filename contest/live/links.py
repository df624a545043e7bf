"""Signed links of the live final, like the personal quiz links (:mod:`contest.signing`):
the host console (for one organiser), the stage (the hall's screen), a buzzer (a team's, or
one player's) and the hall's 观众题 page. Nothing is stored; each link carries its expiry,
and a purpose of its own so one can never pass for another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.admin.policy import Actor
from contest.live.common import host_action, ident, teams_of
from contest.live.models import LiveFinal, LivePlayer
from contest.models import Worker
from contest.signing import sign, verify
from storage.types import Clock, utcnow

LINK_TTL = timedelta(days=3)


@dataclass(frozen=True)
class LiveLink:
    """What a link opens: ``role`` in host/stage/buzz/hall, the final, and for a host the
    organiser's id, for a buzzer the team and (a personal one) the player."""

    role: str
    final_id: int
    user_id: int = 0
    team_id: int = 0
    worker_id: int = 0


def live_token(key: bytes, link: LiveLink, *, expires_at: datetime) -> str:
    fields = (link.final_id, link.user_id, link.team_id, link.worker_id)
    return sign(
        key, f"live-{link.role}", *(str(f) for f in fields), str(int(expires_at.timestamp()))
    )


def read_live(key: bytes, role: str, token: str, *, now: datetime) -> LiveLink | None:
    fields = verify(key, f"live-{role}", token, count=5)
    if fields is None or not all(f.isdigit() for f in fields):
        return None
    if int(fields[4]) < now.timestamp():
        return None
    final_id, user_id, team_id, worker_id = (int(f) for f in fields[:4])
    return LiveLink(role, final_id, user_id, team_id, worker_id)


@dataclass(frozen=True)
class BuzzerLink:
    team: str
    player: str
    token: str


@dataclass(frozen=True)
class FinalLinks:
    host: str
    stage: str
    hall: str
    buzzers: list[BuzzerLink]


async def issue_links(
    session: AsyncSession, *, actor: Actor, final_id: int, key: bytes, clock: Clock = utcnow
) -> FinalLinks:
    """The final's links for ``actor`` (an organiser of its competition; audited)."""

    async def work(_: object) -> FinalLinks:
        expires = clock() + LINK_TTL
        final = await session.get(LiveFinal, final_id)
        assert final is not None

        def token(link: LiveLink) -> str:
            return live_token(key, link, expires_at=expires)

        buzzers = []
        for team in await teams_of(session, final_id):
            if final.buzzer == "team":
                link = LiveLink("buzz", final_id, team_id=ident(team))
                buzzers.append(BuzzerLink(team.name, "", token(link)))
                continue
            rows = await session.execute(
                select(col(LivePlayer.worker_id), col(Worker.real_name))
                .join(Worker, col(Worker.id) == col(LivePlayer.worker_id))
                .where(col(LivePlayer.team_id) == ident(team))
                .order_by(col(LivePlayer.id))
            )
            for worker_id, name in rows.all():
                link = LiveLink("buzz", final_id, team_id=ident(team), worker_id=int(worker_id))
                buzzers.append(BuzzerLink(team.name, str(name), token(link)))
        return FinalLinks(
            host=token(LiveLink("host", final_id, user_id=actor.user_id)),
            stage=token(LiveLink("stage", final_id)),
            hall=token(LiveLink("hall", final_id)),
            buzzers=buzzers,
        )

    return await host_action(session, actor, final_id, "links", work, clock=clock)
