"""Organisers share join links (/teams) and move workers between teams (/move)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.models import AuditEntry, CompetitionStatus, Worker
from contest.teams import ensure_team_path
from tests.bot.admin_fixtures import add_competition, add_worker, audit_entries
from tests.fakes.chat import ChatDriver
from tests.fakes.telegram import BOT_USERNAME


async def _teams(factory: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with factory() as session:
        one = await ensure_team_path(session, path=[("部门", "质量部"), ("班组", "一班")])
        two = await ensure_team_path(session, path=[("部门", "质量部"), ("班组", "<二班>")])
        await session.commit()
        return {"一班": one.join_code, "二班": two.join_code}


async def test_teams_lists_the_hierarchy_with_join_links(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    codes = await _teams(session_factory)
    reply = (await admin_chat.send("/teams"))[-1]
    assert "团队（共 3 个）" in reply.text
    assert f"https://t.me/{BOT_USERNAME}?start={codes['一班']}" in reply.text
    assert "&lt;二班&gt;" in reply.text  # names are escaped in HTML
    assert reply.text.index("质量部") < reply.text.index("一班")


async def test_teams_without_teams_says_how_to_create_them(admin_chat: ChatDriver) -> None:
    reply = (await admin_chat.send("/teams"))[-1]
    assert "还没有团队" in reply.text


async def test_organiser_moves_a_worker_even_during_an_open_competition(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    codes = await _teams(session_factory)
    await add_competition(session_factory, status=CompetitionStatus.OPEN)
    worker = await add_worker(session_factory, telegram_id=1001, username="wang", name="王五")
    async with session_factory() as session:
        stored = await session.get(Worker, worker.id)
        assert stored is not None
        stored.employee_no = "E042"
        await session.commit()
    reply = (await admin_chat.send(f"/move E042 {codes['一班']}"))[-1]
    assert "已将 王五 调整到团队「一班」" in reply.text
    reply = (await admin_chat.send(f"/move @wang {codes['二班']}"))[-1]
    assert "调整到团队「&lt;二班&gt;」" in reply.text
    async with session_factory() as session:
        stored = await session.get(Worker, worker.id)
        assert stored is not None
        assert stored.team_id is not None and stored.team_id != worker.team_id
    moves = [e for e in await audit_entries(session_factory) if e.action == "worker.move"]
    assert len(moves) == 2 and all(isinstance(e, AuditEntry) for e in moves)


async def test_move_with_bad_arguments_explains_and_changes_nothing(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    codes = await _teams(session_factory)
    worker = await add_worker(session_factory, telegram_id=1001, name="王五")
    assert "用法" in (await admin_chat.send("/move"))[-1].text
    assert "找不到该职工" in (await admin_chat.send(f"/move E999 {codes['一班']}"))[-1].text
    assert "找不到该团队" in (await admin_chat.send("/move 1001 NOPE"))[-1].text
    async with session_factory() as session:
        stored = await session.get(Worker, worker.id)
        assert stored is not None and stored.team_id is None


async def test_workers_are_refused_teams_and_move(worker_chat: ChatDriver) -> None:
    for command in ("/teams", "/move 1 X"):
        reply = (await worker_chat.send(command))[-1]
        assert "仅限组织者" in reply.text
