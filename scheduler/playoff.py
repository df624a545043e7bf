"""At the close: invite the workers tied on score at the top to the play-off (加赛)."""

from __future__ import annotations

import html
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.attempts import expire_overdue
from contest.final import settle
from contest.models import Competition, Worker
from contest.papers import score_style
from contest.playoff import invite
from contest.rules import rules_of
from contest.score_text import score_text
from i18n import t
from scheduler.context import Apply, JobContext, local_time
from scheduler.jobs import Job
from scheduler.outbox import enqueue
from storage.ids import id_of


async def prepare_playoff(ctx: JobContext, job: Job, when: datetime) -> Apply | None:
    """Settle the last attempts and teams; the returned ``Apply`` marks the invited workers
    and queues each one's invitation, in their language, in the run's own transaction."""
    async with ctx.session_factory.begin() as session:  # settled for all before the reads go on
        competition = await session.get(Competition, job.competition_id)
        if competition is None:
            return None
        competition_id = id_of(competition)
        await expire_overdue(session, clock=ctx.clock)
        await settle(session, competition_id=competition_id, clock=ctx.clock)
        style = await score_style(session, competition=competition)
    rules = rules_of(competition)

    async def apply(session: AsyncSession) -> str:
        invited = await invite(session, competition_id=competition_id)
        ids = [i.worker_id for i in invited]
        workers = {
            w.id: w
            for w in (
                await session.execute(select(Worker).where(col(Worker.id).in_(ids)))
            ).scalars()
        }
        for invitation in invited:
            worker = workers.get(invitation.worker_id)
            if worker is None or worker.telegram_id is None:
                continue
            lang = worker.language
            text = t(
                "close.playoff_invite",
                lang,
                name=html.escape(competition.name),
                score=score_text(invitation.score, lang, style),
                rank=invitation.place,
                rivals=invitation.rivals,
                n=rules.ties.playoff_questions,
                until=local_time(invitation.closes_at, competition.timezone),
            )
            await enqueue(
                session,
                dedup_key=f"{job.key}:{worker.id}",
                chat_id=worker.telegram_id,
                text=text,
                clock=ctx.clock,
            )
        return f"invited:{len(invited)}"

    return apply
