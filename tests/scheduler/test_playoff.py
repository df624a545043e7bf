"""The play-off (加赛): workers tied on score at the top are invited at the close, play the
same short set, and the final results order them by it (then by its time)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.errors import ContestError
from contest.models import Attempt, AttemptKind, Competition, Worker
from contest.playoff import play_playoff
from contest.ranking import top_individuals
from scheduler.context import JobContext
from scheduler.dispatch import run_due_jobs
from scheduler.models import OutboxMessage
from storage.ids import id_of
from tests.conftest import MovableClock
from tests.contest.season import RIGHT, TZ, play
from tests.contest.test_season import _season

TIES = {"ties": {"playoff_places": 1, "playoff_questions": 3, "playoff_minutes": 60}}


async def _worker(session: AsyncSession, telegram_id: int) -> Worker:
    found = await session.execute(select(Worker).where(Worker.telegram_id == telegram_id))
    return found.scalar_one()


async def test_a_playoff_separates_the_workers_tied_on_score(
    session: AsyncSession, ctx: JobContext, clock: MovableClock
) -> None:
    season = await _season(session, clock, "sum", **TIES)
    competition: Competition = season["competition"]
    cid = id_of(competition)
    clock.set(competition.ends_at + timedelta(seconds=10))
    fired = {f.key: f.outcome for f in await run_due_jobs(ctx)}
    # 王芳, 周杰 and 李强 all scored 11: time alone would have ranked them; now they play.
    assert fired[f"playoff:{cid}"] == "invited:3"
    assert f"results:{cid}" not in fired  # results wait for the play-off window
    invitations = (
        await session.execute(
            select(OutboxMessage).where(OutboxMessage.dedup_key.like("playoff:%"))
        )
    ).scalars()
    assert sorted(m.chat_id for m in invitations) == [1, 2, 6]
    text = (
        await session.execute(select(OutboxMessage.text).where(OutboxMessage.chat_id == 2))
    ).scalar()
    assert "你和另外 2 人同为 11 分，并列第 1 名" in text and "/playoff" in text

    li, zhou = await _worker(session, 2), await _worker(session, 6)
    with pytest.raises(ContestError) as refused:
        await play_playoff(session, worker=await _worker(session, 4), clock=clock, tz=TZ)
    assert refused.value.code == "no_playoff"  # 赵磊 was not tied at the top
    await play(session, worker=li, competition_id=cid, clock=clock, plan={}, otherwise=RIGHT,
               playoff=True, seconds=3)  # fmt: skip
    await play(session, worker=zhou, competition_id=cid, clock=clock, plan={}, otherwise=RIGHT,
               playoff=True, seconds=4)  # fmt: skip
    with pytest.raises(ContestError) as again:
        await play_playoff(session, worker=li, clock=clock, tz=TZ)
    assert again.value.code == "playoff_played"
    papers = (
        await session.execute(select(Attempt).where(Attempt.kind == AttemptKind.PLAYOFF))
    ).scalars()
    assert {a.question_count for a in papers} == {3}

    clock.set(competition.ends_at + timedelta(minutes=61))
    fired = {f.key: f.outcome for f in await run_due_jobs(ctx)}
    assert fired[f"results:{cid}"] == "queued:7"
    top = await top_individuals(session, competition_id=cid, limit=4)
    assert [(r.rank, r.tied, r.name) for r in top] == [
        (1, False, "李强"), (2, False, "周杰"), (3, False, "王芳"), (4, False, "陈静"),
    ]  # fmt: skip
    result = (
        await session.execute(
            select(OutboxMessage.text).where(
                OutboxMessage.dedup_key == f"results:{cid}:{li.id}:result"
            )
        )
    ).scalar()
    assert "名次：第 1 名（共 7 人）" in result
