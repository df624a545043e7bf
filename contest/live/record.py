"""The record of a live final for the organiser's files: the results, every event (show,
开始, ruling, score change, adjustment with its reason, undo) with its time, every buzz with
its receipt time and gaps, and the hall's answers — as a workbook (formula-safe cells,
times in the competition's zone, buzzes to the millisecond)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.admin.policy import Actor
from contest.live.common import Stage, host_action, ident, teams_of
from contest.live.models import (
    AudienceAnswer,
    LiveBuzz,
    LiveEvent,
    LivePlayer,
    LiveQuestion,
    LiveSegment,
    LiveTeam,
)
from contest.models import Competition, Worker
from contest.workbook import TIME_FORMAT, Sheet, write_workbook
from i18n import t
from storage.types import Clock, utcnow

MS_FORMAT = "yyyy-mm-dd hh:mm:ss.000"


@dataclass(frozen=True)
class Placing:
    """A team's place at the end: 1224 ranking, ``tied`` when it shares it."""

    rank: int
    tied: bool
    team: str
    players: list[str]
    score: int
    seat: int


async def placings(session: AsyncSession, *, final_id: int) -> list[Placing]:
    teams = await teams_of(session, final_id)
    names = await _players(session, final_id)
    scores = sorted((t.score for t in teams), reverse=True)
    ordered = sorted(teams, key=lambda t: (-t.score, t.seat))
    return [
        Placing(
            scores.index(team.score) + 1,
            scores.count(team.score) > 1,
            team.name,
            names.get(ident(team), []),
            team.score,
            team.seat,
        )
        for team in ordered
    ]


async def _players(session: AsyncSession, final_id: int) -> dict[int, list[str]]:
    rows = await session.execute(
        select(col(LivePlayer.team_id), col(Worker.real_name))
        .join(Worker, col(Worker.id) == col(LivePlayer.worker_id))
        .where(col(LivePlayer.final_id) == final_id)
        .order_by(col(LivePlayer.id))
    )
    names: dict[int, list[str]] = {}
    for team_id, name in rows.all():
        names.setdefault(int(team_id), []).append(str(name))
    return names


async def record_sheets(
    session: AsyncSession, *, final_id: int, zone: str, lang: str = "zh"
) -> list[Sheet]:
    tz = ZoneInfo(zone)

    def local(when: datetime | None) -> datetime | None:
        return None if when is None else when.astimezone(tz).replace(tzinfo=None)

    def h(key: str) -> list[str]:
        return t(f"live.record.{key}", lang).split("|")

    teams = {ident(tm): tm for tm in await teams_of(session, final_id)}
    labels = await _question_labels(session, final_id, lang)
    results = Sheet(h("results_title")[0], h("results"))
    for p in await placings(session, final_id=final_id):
        start = next(tm.start_score for tm in teams.values() if tm.seat == p.seat)
        results.rows.append([p.rank, p.seat, p.team, "、".join(p.players), start, p.score])
    events = Sheet(h("events_title")[0], h("events"), formats={0: TIME_FORMAT})
    rows = await session.execute(
        select(LiveEvent).where(col(LiveEvent.final_id) == final_id).order_by(col(LiveEvent.id))
    )
    for e in rows.scalars():
        team = teams.get(e.team_id or 0)
        events.rows.append(
            [
                local(e.at),
                t(f"live.record.kind.{e.kind}", lang),
                team.name if team else "",
                e.delta or None,
                labels.get(e.question_id or 0, ""),
                e.reason,
                "" if e.actor_id is None else str(e.actor_id),
                "✓" if e.undone else "",
            ]
        )
    return [results, events, *await _buzz_and_hall(session, final_id, teams, labels, local, h)]


async def _buzz_and_hall(
    session: AsyncSession,
    final_id: int,
    teams: dict[int, LiveTeam],
    labels: dict[int, str],
    local: Callable[[datetime | None], datetime | None],
    h: Callable[[str], list[str]],
) -> list[Sheet]:
    buzzes = Sheet(h("buzzes_title")[0], h("buzzes"), formats={0: MS_FORMAT})
    rows = await session.execute(
        select(LiveBuzz, LiveQuestion, Worker)
        .join(LiveQuestion, col(LiveQuestion.id) == col(LiveBuzz.question_id))
        .outerjoin(Worker, col(Worker.id) == col(LiveBuzz.worker_id))
        .where(col(LiveBuzz.final_id) == final_id)
        .order_by(col(LiveBuzz.question_id), col(LiveBuzz.received_at), col(LiveBuzz.id))
    )
    firsts: dict[int, datetime] = {}
    for buzz, question, worker in rows.all():
        after = None if question.armed_at is None else _ms(buzz.received_at, question.armed_at)
        behind = None
        if not buzz.false_start:
            first = firsts.setdefault(buzz.question_id, buzz.received_at)
            behind = _ms(buzz.received_at, first)
        buzzes.rows.append(
            [
                local(buzz.received_at),
                labels.get(buzz.question_id, ""),
                teams[buzz.team_id].name,
                worker.real_name if worker else "",
                buzz.via,
                after,
                behind,
                "✓" if buzz.false_start else "",
                buzz.ruling or "",
            ]
        )
    hall = Sheet(h("hall_title")[0], h("hall"), formats={0: MS_FORMAT})
    answers = await session.execute(
        select(AudienceAnswer)
        .join(LiveQuestion, col(LiveQuestion.id) == col(AudienceAnswer.question_id))
        .where(col(LiveQuestion.final_id) == final_id)
        .order_by(col(AudienceAnswer.question_id), col(AudienceAnswer.received_at))
    )
    for a in answers.scalars():
        hall.rows.append(
            [
                local(a.received_at),
                labels.get(a.question_id, ""),
                a.name,
                a.voter,
                "✓" if a.correct else "",
            ]
        )
    return [buzzes, hall]


def _ms(later: datetime, earlier: datetime) -> int:
    return round((later - earlier).total_seconds() * 1000)


async def _question_labels(session: AsyncSession, final_id: int, lang: str) -> dict[int, str]:
    rows = await session.execute(
        select(col(LiveQuestion.id), col(LiveQuestion.position), LiveSegment)
        .join(LiveSegment, col(LiveSegment.id) == col(LiveQuestion.segment_id))
        .where(col(LiveQuestion.final_id) == final_id)
    )
    return {
        int(qid): f"{segment.title or t(f'live.ui.kind_{segment.kind}', lang)} {position}"
        for qid, position, segment in rows.all()
    }


async def export_final(
    session: AsyncSession,
    *,
    actor: Actor,
    final_id: int,
    path: Path,
    lang: str = "zh",
    clock: Clock = utcnow,
) -> Path:
    """Write the record to ``path`` (an organiser action, audited)."""

    async def work(stage: Stage) -> Path:
        competition = await session.get(Competition, stage.final.competition_id)
        zone = competition.timezone if competition is not None else "Asia/Shanghai"
        sheets = await record_sheets(session, final_id=final_id, zone=zone, lang=lang)
        await asyncio.to_thread(write_workbook, path, sheets)
        return path

    return await host_action(session, actor, final_id, "export", work, clock=clock)
