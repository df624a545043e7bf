"""Every organiser action, without any chat: permission allowed and refused, the audit row
in the action's own transaction (which the edge's turn commits once; the action never
commits), and no audit row for a change that was rolled back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from chat.turn import owned
from contest.admin import access, broadcast, chats, competitions, people, results, schedules
from contest.admin.policy import Actor, Denied
from contest.models import ChatBinding, Competition, Organiser, Worker
from contest.outbox import OutboxMessage
from contest.schedules import JobPause, ScheduleChoice
from quizbank.models import Question
from quizbank.validation import parse_file
from tests.bot.admin_fixtures import roster_rows, xlsx_bytes
from tests.conftest import MovableClock
from tests.contest.admin.conftest import GROUP_CHAT, STRANGER, SUPER, Factory, World, audit_rows

BANK_CSV = "题型,题干,选项A,选项B,答案\n单选,PDCA 中 C 代表？,计划,检查,B\n".encode()
DEFINITION = {
    "name": "新竞赛",
    "starts_at": "2026-09-02 09:00",
    "ends_at": "2026-09-09 18:00",
    "rules": {"composition": [{"type": "single", "count": 1}]},
}
Call = Callable[[AsyncSession, Actor, World, MovableClock, Path], Awaitable[Any]]
Probe = Callable[[AsyncSession, World, Path], Awaitable[Any]]


async def _count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _competition(session: AsyncSession, competition_id: int) -> tuple[Any, ...]:
    row = await session.get(Competition, competition_id, populate_existing=True)
    assert row is not None
    return row.status, row.starts_at, row.rules["announce"]


def counting(model: Any) -> Probe:
    async def probe(session: AsyncSession, world: World, tmp: Path) -> int:
        return await _count(session, model)

    return probe


async def _mine(session: AsyncSession, world: World, tmp: Path) -> Any:
    return await _competition(session, world.mine)


async def _other(session: AsyncSession, world: World, tmp: Path) -> Any:
    return await _competition(session, world.other)


async def _team_of_worker(session: AsyncSession, world: World, tmp: Path) -> Any:
    worker = await session.get(Worker, world.worker_id, populate_existing=True)
    return worker.team_id if worker else None


async def _export_file(session: AsyncSession, world: World, tmp: Path) -> bool:
    return (tmp / "results.xlsx").exists()


async def _pause_mine(session: AsyncSession, world: World) -> None:
    session.add(JobPause(job_key=f"announce:{world.mine}"))
    await session.commit()


@dataclass(frozen=True)
class Case:
    action: str
    call: Call
    probe: Probe
    setup: Callable[[AsyncSession, World], Awaitable[None]] | None = None


CASES = [
    Case(
        "competition.create",
        lambda s, a, w, c, p: competitions.create_competition(s, actor=a, data=DEFINITION, clock=c),
        counting(Competition),
    ),
    Case(
        "competition.open",
        lambda s, a, w, c, p: competitions.open_competition(
            s, actor=a, competition_id=w.mine, clock=c
        ),
        _mine,
    ),
    Case(
        "competition.close",
        lambda s, a, w, c, p: competitions.close_competition(
            s, actor=a, competition_id=w.other, clock=c
        ),
        _other,
    ),
    Case(
        "competition.set_times",
        lambda s, a, w, c, p: competitions.set_times(
            s,
            actor=a,
            competition_id=w.mine,
            starts_at=c() + timedelta(days=1),
            ends_at=c() + timedelta(days=2),
            clock=c,
        ),
        _mine,
    ),
    Case(
        "competition.set_schedule",
        lambda s, a, w, c, p: competitions.set_schedule(
            s, actor=a, competition_id=w.mine, choice=ScheduleChoice("0 17 * * 5"), clock=c
        ),
        _mine,
    ),
    Case(
        "organiser.grant",
        lambda s, a, w, c, p: access.grant(
            s, actor=a, telegram_id=77, competition_id=None, clock=c
        ),
        counting(Organiser),
    ),
    Case(
        "organiser.revoke",
        lambda s, a, w, c, p: access.revoke(
            s, actor=a, telegram_id=11, competition_id=None, clock=c
        ),
        counting(Organiser),
    ),
    Case(
        "worker.move",
        lambda s, a, w, c, p: people.move(
            s, actor=a, worker_ref="E001", join_code=w.team_code, clock=c
        ),
        _team_of_worker,
    ),
    Case(
        "roster.import",
        lambda s, a, w, c, p: people.import_workers(
            s,
            actor=a,
            data=xlsx_bytes(roster_rows(3), ["姓名", "工号", "部门", "班组"]),
            filename="名单.xlsx",
            clock=c,
        ),
        counting(Worker),
    ),
    Case(
        "bank.import",
        lambda s, a, w, c, p: people.import_bank(
            s, actor=a, report=parse_file(BANK_CSV, filename="bank.csv"), set_name="题库", clock=c
        ),
        counting(Question),
    ),
    Case(
        "broadcast.queue",
        lambda s, a, w, c, p: broadcast.queue_broadcast(
            s,
            actor=a,
            competition_id=w.other,
            batch=f"{w.other}-abc",
            text="明天开赛",
            compose=lambda lang: f"[{lang}] 明天开赛",
            clock=c,
        ),
        counting(OutboxMessage),
    ),
    Case(
        "chat.bind",
        lambda s, a, w, c, p: chats.bind(
            s, actor=a, competition_id=w.mine, chat_id=-2002, title="群", language="zh", clock=c
        ),
        counting(ChatBinding),
    ),
    Case(
        "chat.unbind",
        lambda s, a, w, c, p: chats.unbind(s, actor=a, chat_id=GROUP_CHAT, clock=c),
        counting(ChatBinding),
    ),
    Case(
        "results.export",
        lambda s, a, w, c, p: results.export(
            s, actor=a, competition_id=w.other, path=p / "results.xlsx", clock=c
        ),
        _export_file,
    ),
    Case(
        "schedule.pause",
        lambda s, a, w, c, p: schedules.pause_schedule(
            s, actor=a, key=f"announce:{w.mine}", clock=c
        ),
        counting(JobPause),
    ),
    Case(
        "schedule.resume",
        lambda s, a, w, c, p: schedules.resume_schedule(
            s, actor=a, key=f"announce:{w.mine}", clock=c
        ),
        counting(JobPause),
        _pause_mine,
    ),
]
IDS = [case.action for case in CASES]


async def _prepare(session_factory: Factory, world: World, case: Case) -> None:
    if case.setup is not None:
        async with session_factory() as session:
            await case.setup(session, world)


async def _state(session_factory: Factory, world: World, case: Case, tmp: Path) -> Any:
    async with session_factory() as session:
        return await case.probe(session, world, tmp)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_allowed_action_changes_and_is_audited_in_one_commit(
    case: Case, world: World, session_factory: Factory, clock: MovableClock, tmp_path: Path
) -> None:
    await _prepare(session_factory, world, case)
    before = await _state(session_factory, world, case, tmp_path)
    async with session_factory() as session:
        commits = 0
        real_commit = session.commit

        async def counted() -> None:
            nonlocal commits
            commits += 1
            await real_commit()

        session.commit = counted  # type: ignore[method-assign]
        async with owned(session):  # the edge's turn
            await case.call(session, SUPER, world, clock, tmp_path)
            assert commits == 0  # the action leaves the commit to the edge
    assert commits == 1
    assert await _state(session_factory, world, case, tmp_path) != before
    (entry,) = await audit_rows(session_factory)
    assert (entry.action, entry.outcome, entry.actor_id) == (case.action, "ok", SUPER.user_id)
    assert entry.detail["via"] == "telegram"


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_someone_who_is_no_organiser_is_refused_and_audited(
    case: Case, world: World, session_factory: Factory, clock: MovableClock, tmp_path: Path
) -> None:
    await _prepare(session_factory, world, case)
    before = await _state(session_factory, world, case, tmp_path)
    async with session_factory() as session:
        with pytest.raises(Denied) as refused:
            async with owned(session):  # the edge keeps the refusal's audit row
                await case.call(session, STRANGER, world, clock, tmp_path)
    assert refused.value.code == "denied"  # one wording for every action
    assert await _state(session_factory, world, case, tmp_path) == before
    (entry,) = await audit_rows(session_factory)
    assert (entry.action, entry.outcome, entry.actor_id) == (case.action, "denied", 33)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_a_change_that_is_not_committed_leaves_no_audit_row(
    case: Case, world: World, session_factory: Factory, clock: MovableClock, tmp_path: Path
) -> None:
    await _prepare(session_factory, world, case)
    before = await _state(session_factory, world, case, tmp_path)
    async with session_factory() as session:

        async def lost() -> None:
            raise ConnectionError("the database went away")

        session.commit = lost  # type: ignore[method-assign]
        with pytest.raises(ConnectionError):
            async with owned(session):
                await case.call(session, SUPER, world, clock, tmp_path)
    if case.action != "results.export":  # a file is no database change
        assert await _state(session_factory, world, case, tmp_path) == before
    assert await audit_rows(session_factory) == []
