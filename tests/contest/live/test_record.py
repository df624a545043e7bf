"""The record of a live final: the workbook's results, every event with its time and reason,
every buzz to the millisecond, the hall's answers; formula-safe; and the CLI export with the
teams' certificates."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from alembic import command
from openpyxl import load_workbook
from sqlalchemy import update
from typer.testing import CliRunner

from cli.app import app
from contest.live.models import LiveTeam
from contest.live.record import export_final
from storage.db import create_engine, create_session_factory
from storage.migrate import alembic_config
from tests.conftest import MovableClock
from tests.contest.live.fixtures import HOST, act, build_final, host, press, segment


async def _play(session_factory, clock) -> int:
    setup = await build_final(session_factory, clock, teams=3, segments=[segment("buzzer")])
    a, b, c = setup.teams
    async with session_factory() as session:
        await session.execute(update(LiveTeam).where(LiveTeam.id == c.id).values(name="=1+2"))
        await session.commit()

    def step(verb, **kwargs):
        return host(session_factory, clock, setup, verb, **kwargs)

    await step("next_question")
    await press(session_factory, setup, c, clock.advance(seconds=1))  # a false start
    armed = clock.advance(seconds=1)
    await step("start")
    await press(session_factory, setup, a, armed + timedelta(milliseconds=120))
    await press(session_factory, setup, b, armed + timedelta(milliseconds=157))
    await step("rule", right=False)
    await step("undo")
    await step("rule", right=True)
    await step("adjust", team_id=b.id, delta=5, reason="评委裁定：=申诉成立")
    await step("finish")
    return setup.final_id


async def test_the_workbook_holds_results_events_and_buzzes_to_the_millisecond(
    session_factory, clock, tmp_path: Path
):
    final_id = await _play(session_factory, clock)
    path = tmp_path / "final.xlsx"
    await act(session_factory, export_final, actor=HOST, final_id=final_id, path=path, clock=clock)
    book = load_workbook(path)
    assert book.sheetnames == ["成绩", "记录", "抢答", "观众题"]
    results = [[c.value for c in row] for row in book["成绩"].iter_rows(min_row=2)]
    assert [(r[0], r[5]) for r in results] == [(1, 110), (2, 105), (3, 100)]
    assert results[2][2] == "'=1+2"  # a team name that looks like a formula stays text
    events = [[c.value for c in row] for row in book["记录"].iter_rows(min_row=2)]
    kinds = [e[1] for e in events]
    assert kinds == [
        "进入环节",
        "出题",
        "抢跑",
        "开始",
        "答错",
        "撤销判定",
        "答对",
        "调整分数",
        "结束",
    ]
    events = events[1:]
    wrong = events[3]
    assert (wrong[3], wrong[7]) == (-10, "✓")  # the undone ruling is marked, not deleted
    assert events[6][5] == "评委裁定：=申诉成立" and events[6][3] == 5
    assert events[0][0].tzinfo is None and events[0][0].hour == 9  # Asia/Shanghai
    buzzes = [[c.value for c in row] for row in book["抢答"].iter_rows(min_row=2)]
    assert [(r[5], r[6], r[7]) for r in buzzes] == [
        (-1000, None, "✓"),
        (120, 0, None),
        (157, 37, None),
    ]
    assert buzzes[1][0].microsecond == 120000 and buzzes[1][8] == "right"


def test_the_cli_exports_the_record_and_the_podium_certificates(
    database_url: str, monkeypatch, tmp_path: Path
):
    engine = create_engine(database_url)
    clock = MovableClock()
    final_id = asyncio.run(_play(create_session_factory(engine), clock))
    asyncio.run(engine.dispose())
    command.stamp(alembic_config(database_url), "head")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    out, folder = tmp_path / "record.xlsx", tmp_path / "certificates"
    result = CliRunner().invoke(
        app,
        [
            "live",
            "export",
            str(final_id),
            str(out),
            "--certificates",
            str(folder),
            "--organiser",
            "总厂工会",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.exists() and sorted(p.name for p in folder.iterdir()) == [
        "1-1.png",
        "2-2.png",
        "3-3.png",
        "results.png",
    ]
    assert (folder / "1-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    missing = CliRunner().invoke(app, ["live", "export", "999", str(out)])
    assert missing.exit_code == 1 and "找不到决赛 999" in missing.output


def test_the_cli_creates_a_final_from_roster_teams_and_prints_its_links(
    database_url: str, monkeypatch, tmp_path: Path
):
    engine = create_engine(database_url)
    setup = asyncio.run(build_final(create_session_factory(engine), MovableClock(), teams=4))
    asyncio.run(engine.dispose())
    command.stamp(alembic_config(database_url), "head")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("WEB_SECRET", "s" * 32)
    monkeypatch.chdir(tmp_path)
    teams = ",".join(str(t.team_id) for t in setup.teams)
    created = CliRunner().invoke(
        app,
        ["live", "create", str(setup.competition_id), teams, "--name", "第二场", "--players", "2"],
    )
    assert created.exit_code == 0, created.output
    assert f"决赛 #{setup.final_id + 1} 已建好" in created.output
    shown = CliRunner().invoke(
        app, ["live", "links", str(setup.final_id + 1), "--base", "https://quiz.example.cn"]
    )
    lines = shown.output.strip().splitlines()
    assert shown.exit_code == 0 and len(lines) == 3 + 4
    assert lines[0].startswith("host\thttps://quiz.example.cn/live/host/")
    edited = CliRunner().invoke(app, ["live", "rule", str(setup.final_id), "2", "value=30"])
    assert edited.exit_code == 0 and "value=30" in edited.output
    refused = CliRunner().invoke(app, ["live", "rule", str(setup.final_id), "2", "value=-1"])
    assert refused.exit_code == 1 and "无效" in refused.output
    bad = CliRunner().invoke(app, ["live", "create", str(setup.competition_id), "1"])
    assert bad.exit_code == 1 and "没有可上场的职工" in bad.output
