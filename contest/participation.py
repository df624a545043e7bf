"""Participation per team (参与率) and who a competition's broadcast reaches.

``participation_by_team`` counts what the team board counts (``contest.standings``): the
same participants (workers who started) over the same denominators (members who can take
part), so /stats, the boards and the export agree; teams are named by their shortest
unique path (一车间·甲班).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import ContestError
from contest.models import Competition, Standing, Worker
from contest.names import natural_key
from contest.rules import rules_of
from contest.standings import team_totals
from contest.tree import TeamTree, load_tree


@dataclass(frozen=True)
class TeamParticipation:
    team_id: int | None
    name: str
    registered: int
    participants: int

    @property
    def rate(self) -> float:
        return self.participants / self.registered if self.registered else 0.0


async def participation_by_team(
    session: AsyncSession, *, competition_id: int, exclude_telegram_ids: Collection[int] = ()
) -> list[TeamParticipation]:
    """Every team at the competition's ranking level with members or participants, and
    workers without a team (``team_id=None``). Sorted by rate, then name.

    ``exclude_telegram_ids`` (the organisers trying the bot) are taken out of both counts.
    """
    competition = await session.get(Competition, competition_id)
    if competition is None:
        raise ContestError("competition_not_found", competition_id=competition_id)
    tree = await load_tree(session)
    level = set(tree.at_level(rules_of(competition).team.level))
    totals: dict[int | None, dict[str, int]] = {
        team_id: {"registered": v["registered"], "participants": v["participants"]}
        for team_id, v in (await team_totals(session, competition_id=competition_id)).items()
    }
    totals[None] = await _without_team(session, competition_id=competition_id)
    for member_of, played_in in await _left_out(session, competition_id, exclude_telegram_ids):
        _take_out(totals, tree, member_of, "registered")
        _take_out(totals, tree, played_in, "participants")
    labels = tree.short_labels(level)
    rows = [
        TeamParticipation(
            team_id, labels.get(team_id, "") if team_id else "", v["registered"], v["participants"]
        )
        for team_id, v in totals.items()
        if (team_id is None or team_id in level) and (v["registered"] or v["participants"])
    ]
    return sorted(rows, key=lambda r: (-r.rate, r.team_id is None, natural_key(r.name)))


_ABSENT: object = object()  # not counted there: nothing to take out


def _take_out(
    totals: dict[int | None, dict[str, int]], tree: TeamTree, team: object, key: str
) -> None:
    if team is _ABSENT:
        return
    teams = tree.ancestors(team) if isinstance(team, int) and team in tree.parent else [None]
    for above in teams:
        if above in totals:
            totals[above][key] -= 1


async def _left_out(
    session: AsyncSession, competition_id: int, telegram_ids: Collection[int]
) -> list[tuple[object, object]]:
    """For each worker not to be counted: the team they are counted in as a member (or
    ``_ABSENT``) and the team they took part for (or ``_ABSENT``)."""
    if not telegram_ids:
        return []
    found = await session.execute(
        select(Worker, Standing)
        .outerjoin(
            Standing,
            (col(Standing.worker_id) == col(Worker.id))
            & (col(Standing.competition_id) == competition_id),
        )
        .where(col(Worker.telegram_id).in_(list(telegram_ids)))
    )
    out: list[tuple[object, object]] = []
    for worker, standing in found.all():
        played = standing is not None
        member: object = worker.team_id if not worker.pending else _ABSENT
        if worker.pending and played:  # a 待确认 worker counts where they played
            member = standing.team_id
        out.append((member, standing.team_id if played else _ABSENT))
    return out


async def _without_team(session: AsyncSession, *, competition_id: int) -> dict[str, int]:
    members = await session.scalar(
        select(func.count()).where(col(Worker.team_id).is_(None), col(Worker.pending).is_(False))
    )
    took_part = await session.execute(
        select(col(Worker.pending), func.count())
        .select_from(Standing)
        .join(Worker, col(Worker.id) == col(Standing.worker_id))
        .where(col(Standing.competition_id) == competition_id, col(Standing.team_id).is_(None))
        .group_by(col(Worker.pending))
    )
    counts = dict(took_part.tuples().all())
    return {
        "registered": int(members or 0) + counts.get(True, 0),
        "participants": sum(counts.values()),
    }


async def broadcast_recipients(session: AsyncSession) -> list[tuple[int, str]]:
    """Chat id and language of every registered worker who has not blocked the bot."""
    query = (
        select(col(Worker.telegram_id), col(Worker.language))
        .where(col(Worker.telegram_id).is_not(None), col(Worker.active).is_(True))
        .order_by(col(Worker.telegram_id))
    )
    return [(int(chat_id), language or "zh") for chat_id, language in await session.execute(query)]
