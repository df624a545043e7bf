"""Boards count everyone the organiser counts (issue 23): teams with nobody taking part are
listed (0/N), the screen's 参赛人数 is over the whole roster, teams read in natural order."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.board_texts import leaderboard_text
from contest.big_screen import screen_board
from contest.leaderboard import competition_leaderboard
from contest.names import natural_key, path_key
from contest.participation import participation_by_team
from contest.ranking import team_board
from contest.standings import refresh_team_standings
from contest.teams import team_overview
from contest.workers import team_choices
from scheduler.announce import announcement_text, load_board
from storage.ids import id_of
from tests.contest.helpers import T0, attempt, competition, team, worker


def test_team_names_sort_as_people_count_them() -> None:
    def ordered(*names: str) -> list[str]:
        return sorted(names, key=natural_key)

    assert ordered("丙班", "乙班", "甲班", "丁班") == ["甲班", "乙班", "丙班", "丁班"]
    assert ordered("十车间", "三车间", "十一车间", "二车间") == [
        "二车间",
        "三车间",
        "十车间",
        "十一车间",
    ]
    assert ordered("班组10", "班组2", "班组1") == ["班组1", "班组2", "班组10"]
    assert ordered("Ⅱ线", "Ⅰ线", "Ⅲ线") == ["Ⅰ线", "Ⅱ线", "Ⅲ线"]
    assert ordered("Ｂ班", "a班") == ["a班", "Ｂ班"]
    paths = [("三车间", "乙班"), ("二车间", "乙班"), ("二车间", "甲班"), ("一车间",)]
    assert sorted(paths, key=path_key) == [
        ("一车间",),
        ("二车间", "甲班"),
        ("二车间", "乙班"),
        ("三车间", "乙班"),
    ]


async def _plant(session: AsyncSession) -> dict[str, object]:
    comp = await competition(session)
    teams = {
        name: await team(session, dept, group)
        for name, (dept, group) in {
            "三乙": ("三车间", "乙班"),
            "二乙": ("二车间", "乙班"),
            "二甲": ("二车间", "甲班"),
        }.items()
    }
    played = await worker(session, "王伟", teams["二甲"])
    await worker(session, "李娜", teams["二甲"])
    for i in range(3):
        await worker(session, f"赵{i}", teams["三乙"])
    await worker(session, "孙丽", teams["二乙"])
    await worker(session, "无队", None)
    await attempt(session, comp, played, score=8, time_s=60)
    return {"comp": comp, "teams": teams}


async def test_team_board_lists_teams_nobody_plays_for(session: AsyncSession) -> None:
    plant = await _plant(session)
    comp_id = int(plant["comp"].id)  # type: ignore[attr-defined]
    rows = await team_board(session, competition_id=comp_id)
    assert [(r.label, r.participants, r.registered, r.rank) for r in rows] == [
        ("甲班", 1, 2, 1),
        ("二车间·乙班", 0, 1, None),
        ("三车间·乙班", 0, 3, None),
    ]
    # /stats lists the same teams with the same numbers.
    stats = await participation_by_team(session, competition_id=comp_id)
    assert {(s.name, s.participants, s.registered) for s in stats if s.team_id} == {
        (r.label, r.participants, r.registered) for r in rows
    }


async def test_screen_counts_the_whole_roster(session: AsyncSession) -> None:
    plant = await _plant(session)
    comp_id = int(plant["comp"].id)  # type: ignore[attr-defined]
    board = await screen_board(session, competition_id=comp_id, top_teams=2)
    # 7 workers on the roster, the one without a team included; one took part.
    assert (board.participants, board.registered) == (1, 7)
    stats = await participation_by_team(session, competition_id=comp_id)
    assert board.registered == sum(s.registered for s in stats)
    assert [t.label for t in board.teams] == ["甲班", "二车间·乙班"]
    assert board.idle_teams == ["三车间·乙班"]


async def test_text_boards_show_idle_teams_as_zero_of_n(session: AsyncSession) -> None:
    plant = await _plant(session)
    comp = plant["comp"]
    comp_id = int(comp.id)  # type: ignore[attr-defined]
    board = await competition_leaderboard(session, competition_id=comp_id, limit=2)
    text = leaderboard_text(board, "zh")
    assert "二车间·乙班 — 尚无人参与（0/1）" in text
    assert "尚无人参与的团队还有：三车间·乙班" in text
    assert "1/2 人参与" in text
    group = announcement_text(
        comp,  # type: ignore[arg-type]
        await load_board(session, competition_id=comp_id),
        {},
        when=T0,
        final=False,
        top_n=2,
        lang="zh",
    )
    assert "三车间·乙班" in group and "0/3" not in group  # past the top 2: named once
    assert "二车间·乙班  尚无人参与（0/1）" in group


async def test_team_lists_are_in_natural_order(session: AsyncSession) -> None:
    for dept, group in [
        ("三车间", "乙班"),
        ("十车间", "甲班"),
        ("二车间", "乙班"),
        ("二车间", "甲班"),
    ]:
        await team(session, dept, group)
    overview = [tuple(line.path) for line in await team_overview(session)]
    assert overview == [
        ("二车间",),
        ("二车间", "甲班"),
        ("二车间", "乙班"),
        ("三车间",),
        ("三车间", "乙班"),
        ("十车间",),
        ("十车间", "甲班"),
    ]
    choices = [c.path for c in await team_choices(session)]
    assert choices == [
        ("二车间", "甲班"),
        ("二车间", "乙班"),
        ("三车间", "乙班"),
        ("十车间", "甲班"),
    ]
    comp = await competition(session)
    await refresh_team_standings(session, competition_id=id_of(comp), clock=lambda: T0)
