"""What the stage, the host console and the buzzers show, read in one short transaction:
plain JSON-ready data (the edges add their words).

``for_host`` adds what only the host may see before the reveal: the answer. Times are ISO
strings; the buzz order carries each press's time after 开始 and behind the first, in ms.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.live.common import Stage, buzzes_of, ident, load_stage, teams_of
from contest.live.models import (
    AudienceAnswer,
    FinalStatus,
    LiveBuzz,
    LiveEvent,
    LiveFinal,
    LivePlayer,
    LiveQuestion,
    LiveSegment,
    LiveTeam,
    Phase,
)
from contest.models import Worker
from quizbank.models import Question

PRIZE_WINNERS = 3
SCORE_KINDS = ("right", "wrong", "false_start", "adjust", "undo")


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _ms(later: datetime, earlier: datetime | None) -> int | None:
    return None if earlier is None else round((later - earlier).total_seconds() * 1000)


async def fingerprint(session: AsyncSession, *, final_id: int) -> tuple[Any, ...]:
    """Changes when anything on the stage does: a host action, a buzz, an audience answer."""
    version = select(col(LiveFinal.version)).where(col(LiveFinal.id) == final_id)
    buzzes = select(func.max(col(LiveBuzz.id))).where(col(LiveBuzz.final_id) == final_id)
    events = select(func.max(col(LiveEvent.id))).where(col(LiveEvent.final_id) == final_id)
    answers = (
        select(func.count(col(AudienceAnswer.id)))
        .join(LiveQuestion, col(LiveQuestion.id) == col(AudienceAnswer.question_id))
        .where(col(LiveQuestion.final_id) == final_id)
    )
    parts = (version, buzzes, events, answers)
    row = await session.execute(select(*(part.scalar_subquery() for part in parts)))
    return tuple(row.one())


async def stage_view(
    session: AsyncSession, *, final_id: int, now: datetime, for_host: bool = False
) -> dict[str, Any]:
    view = await _host_view(session, final_id, now)
    return view if for_host else public_view(view)


def public_view(view: dict[str, Any]) -> dict[str, Any]:
    """The host's view without what only the host sees before the reveal (the answer; a
    风险题's question while its value is being picked)."""
    question = view["question"]
    if question is None:
        return view
    hidden = question["phase"] == Phase.PICKING.value
    reveal = question["phase"] == Phase.DONE.value
    shown = {
        **question,
        "stem": "" if hidden else question["stem"],
        "options": [] if hidden else question["options"],
        "answer": question["answer"] if reveal else None,
        "explanation": question["explanation"] if reveal else "",
    }
    return {**view, "question": shown}


async def _host_view(session: AsyncSession, final_id: int, now: datetime) -> dict[str, Any]:
    stage = await load_stage(session, final_id)
    teams = await teams_of(session, final_id)
    segments = await _segments(session, final_id)
    final = stage.final
    return {
        "final": {
            "id": final_id,
            "name": final.name,
            "status": str(final.status),
            "paused": final.paused,
            "version": final.version,
            "buzzer": final.buzzer,
        },
        "segment": _segment(stage, len(segments)),
        "segments": [
            {"position": s.position, "kind": str(s.kind), "title": s.title} for s in segments
        ],
        "question": await _question(session, stage),
        "buzzes": await _buzzes(session, stage, teams),
        "teams": await _teams(session, stage, teams),
        "audience": await _audience(session, stage),
        "podium": _podium(teams) if final.status == FinalStatus.FINISHED else [],
        "now": now.isoformat(),
    }


async def _segments(session: AsyncSession, final_id: int) -> list[LiveSegment]:
    rows = await session.execute(
        select(LiveSegment)
        .where(col(LiveSegment.final_id) == final_id)
        .order_by(col(LiveSegment.position))
    )
    return list(rows.scalars())


def _segment(stage: Stage, count: int) -> dict[str, Any] | None:
    segment = stage.segment
    if segment is None:
        return None
    return {
        "position": segment.position,
        "count": count,
        "kind": str(segment.kind),
        "title": segment.title,
        "rules": segment.rules,
        "state": segment.state,
    }


async def _question(session: AsyncSession, stage: Stage) -> dict[str, Any] | None:
    question = stage.question
    if question is None or stage.segment is None:
        return None
    bank = await session.get(Question, question.question_id)
    assert bank is not None
    total = await session.execute(
        select(func.count()).where(col(LiveQuestion.segment_id) == ident(stage.segment))
    )
    phase = Phase(question.phase)
    return {
        "id": ident(question),
        "position": question.position,
        "count": int(total.scalar_one()),
        "phase": phase.value,
        "type": str(bank.type),
        "stem": bank.stem,
        "options": list(bank.options),
        "answer": list(bank.answer),
        "explanation": bank.explanation,
        "team_id": question.team_id,
        "value": question.value,
        "wrong": question.wrong,
        "outcome": question.outcome,
        "shown_at": _iso(question.shown_at),
        "armed_at": _iso(question.armed_at),
        "deadline": _iso(_deadline(stage, question)),
    }


def _deadline(stage: Stage, question: LiveQuestion) -> datetime | None:
    phase = Phase(question.phase)
    if phase == Phase.ARMED and question.armed_at is not None:
        return question.armed_at + timedelta(seconds=int(stage.rule("buzz_window_s", 15)))
    if phase in (Phase.ANSWERING, Phase.AUDIENCE) and question.answer_from is not None:
        seconds = int(stage.rule("answer_s", 60)) if phase == Phase.ANSWERING else 30
        if stage.segment is not None and str(stage.segment.kind) == "audience":
            seconds = int(stage.rule("answer_s", 30))
        return question.answer_from + timedelta(seconds=seconds)
    return None


async def _buzzes(
    session: AsyncSession, stage: Stage, teams: list[LiveTeam]
) -> list[dict[str, Any]]:
    question = stage.question
    if question is None:
        return []
    rows = await buzzes_of(session, ident(question))
    names = {ident(t): t.name for t in teams}
    workers = await _worker_names(session, [b.worker_id for b in rows if b.worker_id])
    valid = [b for b in rows if not b.false_start]
    first = valid[0].received_at if valid else None
    out = []
    for buzz in rows:
        out.append(
            {
                "team_id": buzz.team_id,
                "team": names.get(buzz.team_id, "?"),
                "player": workers.get(buzz.worker_id or 0, ""),
                "at": _iso(buzz.received_at),
                "after_start_ms": _ms(buzz.received_at, question.armed_at),
                "behind_ms": None if buzz.false_start else _ms(buzz.received_at, first),
                "rank": None if buzz.false_start else valid.index(buzz) + 1,
                "false_start": buzz.false_start,
                "ruling": buzz.ruling,
            }
        )
    return out


async def _worker_names(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(col(Worker.id), col(Worker.real_name)).where(col(Worker.id).in_(ids))
    )
    return {int(i): str(n) for i, n in rows.all()}


async def _teams(
    session: AsyncSession, stage: Stage, teams: list[LiveTeam]
) -> list[dict[str, Any]]:
    final_id = stage.final_id
    events = await session.execute(
        select(LiveEvent)
        .where(
            col(LiveEvent.final_id) == final_id,
            col(LiveEvent.kind).in_(SCORE_KINDS),
            col(LiveEvent.delta) != 0,
        )
        .order_by(col(LiveEvent.id))
    )
    last: dict[int, int] = {}
    for event in events.scalars():
        if event.team_id is not None and not event.undone and event.kind != "undo":
            last[event.team_id] = event.delta
        elif event.team_id is not None and event.kind == "undo":
            last.pop(event.team_id, None)
    risks = await session.execute(
        select(col(LiveQuestion.team_id), col(LiveQuestion.value), col(LiveQuestion.outcome))
        .where(col(LiveQuestion.final_id) == final_id, col(LiveQuestion.value).is_not(None))
        .order_by(col(LiveQuestion.id))
    )
    taken: dict[int, list[dict[str, Any]]] = {}
    for team_id, value, outcome in risks.all():
        taken.setdefault(int(team_id), []).append({"value": value, "outcome": outcome})
    players = await session.execute(
        select(col(LivePlayer.team_id), col(Worker.real_name))
        .join(Worker, col(Worker.id) == col(LivePlayer.worker_id))
        .where(col(LivePlayer.final_id) == final_id)
        .order_by(col(LivePlayer.id))
    )
    names: dict[int, list[str]] = {}
    for team_id, name in players.all():
        names.setdefault(int(team_id), []).append(str(name))
    state = stage.segment.state if stage.segment is not None else {}
    ranks = _ranks(teams)
    return [
        {
            "id": ident(t),
            "name": t.name,
            "seat": t.seat,
            "score": t.score,
            "change": last.get(ident(t), 0),
            "rank": ranks[ident(t)],
            "risk": taken.get(ident(t), []),
            "players": names.get(ident(t), []),
            "out": ident(t) in state.get("out", []),
            "in_tiebreak": ident(t) in state.get("in", []),
            "winner": state.get("winner") == ident(t),
        }
        for t in teams
    ]


def _ranks(teams: list[LiveTeam]) -> dict[int, int]:
    """1224 ranking by score (a 加赛 is what separates equal scores)."""
    scores = sorted((t.score for t in teams), reverse=True)
    return {ident(t): scores.index(t.score) + 1 for t in teams}


def _podium(teams: list[LiveTeam]) -> list[dict[str, Any]]:
    """The first three places, teams on equal scores sharing their step."""
    ranks = _ranks(teams)
    steps: dict[int, dict[str, Any]] = {}
    for team in sorted(teams, key=lambda t: (-t.score, t.seat)):
        rank = ranks[ident(team)]
        if rank <= 3:
            step = steps.setdefault(
                rank, {"rank": rank, "score": team.score, "ids": [], "names": []}
            )
            step["ids"].append(ident(team))
            step["names"].append(team.name)
    return list(steps.values())


async def _audience(session: AsyncSession, stage: Stage) -> dict[str, Any] | None:
    question = stage.question
    if question is None or question.phase not in (Phase.AUDIENCE, Phase.DONE):
        return None
    rows = await session.execute(
        select(AudienceAnswer)
        .where(col(AudienceAnswer.question_id) == ident(question))
        .order_by(col(AudienceAnswer.received_at), col(AudienceAnswer.id))
    )
    answers = list(rows.scalars())
    if not answers and question.phase != Phase.AUDIENCE:
        return None
    right = [a for a in answers if a.correct]
    shown = question.phase == Phase.DONE
    return {
        "open": question.phase == Phase.AUDIENCE,
        "answers": len(answers),
        "correct": len(right) if shown else None,
        "winners": [a.name or a.voter[:4] for a in right[:PRIZE_WINNERS]] if shown else [],
    }
