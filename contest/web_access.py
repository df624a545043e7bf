"""Who may open the quiz in a browser without Telegram: the roster login (工号 + 姓名) an
organiser allows per competition, and finding the worker it names."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from contest.competitions import require_competition
from contest.models import Worker
from contest.names import path_key
from contest.roster_lookup import by_employee_no, name_key, normalize_employee_no
from contest.tree import load_tree
from storage.types import Clock, UTCDateTime, utcnow
from storage.upsert import upsert


class RosterLogin(SQLModel, table=True):
    """A competition whose browser quiz accepts 工号 + 姓名 against the roster."""

    __tablename__ = "roster_login"

    competition_id: int = Field(foreign_key="competition.id", primary_key=True, ondelete="CASCADE")
    enabled: bool = False
    changed_by: int = 0
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


async def set_roster_login(
    session: AsyncSession, *, competition_id: int, enabled: bool, changed_by: int, clock: Clock
) -> bool:
    """Allow or stop the roster login; whether that changed anything (flushes)."""
    await require_competition(session, competition_id=competition_id)
    before = await roster_login_enabled(session, competition_id=competition_id)
    await upsert(
        session,
        RosterLogin,
        keys={"competition_id": competition_id},
        values={"enabled": enabled, "changed_by": changed_by, "changed_at": clock()},
    )
    return before != enabled


async def roster_login_enabled(session: AsyncSession, *, competition_id: int) -> bool:
    row = await session.get(RosterLogin, competition_id, populate_existing=True)
    return bool(row and row.enabled)


async def roster_worker(session: AsyncSession, *, employee_no: str, name: str) -> Worker | None:
    """The roster worker with this 工号 whose name matches too (both as people type them)."""
    number = normalize_employee_no(employee_no)
    typed = _plain(name)
    if not number or not typed:
        return None
    worker = await by_employee_no(session, typed=number)
    if worker is None or name_key(worker.real_name) != name_key(typed):
        return None
    return worker


async def link_roster(session: AsyncSession) -> list[tuple[Worker, str]]:
    """Every worker on the roster (with a 工号) and their team path, for the link sheet."""
    workers = list(
        (
            await session.execute(
                select(Worker).where(col(Worker.employee_no).is_not(None)).order_by(col(Worker.id))
            )
        ).scalars()
    )
    tree = await load_tree(session)
    paths = {w.id: tree.path_names(w.team_id) if w.team_id in tree.parent else [] for w in workers}
    ordered = sorted(workers, key=lambda w: (path_key(paths[w.id]), w.real_name))
    return [(w, " / ".join(paths[w.id])) for w in ordered]


def _plain(name: str) -> str:
    return " ".join(name.split())
