from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.errors import ContestError
from contest.models import CompetitionStatus, PracticeDay, Standing, TeamStanding
from contest.practice_boards import PracticePeriod, practice_board, practice_rank
from contest.ranking import individual_rank, team_board, top_individuals, within_team_board
from contest.rules import TeamMode
from contest.scoring import round_score, team_score
from contest.standings import record_attempt_progress, refresh_team_standings
from contest.teams import move_worker
from tests.contest.helpers import T0, attempt, competition, team, worker
from tests.turns import turn


async def test_best_counting_keeps_the_highest_score(session: AsyncSession) -> None:
    c = await competition(session, attempts_allowed=3, counting="best")
    w = await worker(session, "张三", await team(session, "质量部", "一班"))
    await attempt(session, c, w, score=8, time_s=50, number=1)
    await attempt(session, c, w, score=6, time_s=20, number=2)
    standing = await session.get(Standing, (c.id, w.id))
    assert (standing.score, standing.time_used_ms) == (8, 50_000)


async def test_best_counting_tie_takes_the_faster_attempt(session: AsyncSession) -> None:
    c = await competition(session, attempts_allowed=3, counting="best")
    w = await worker(session, "张三", None)
    await attempt(session, c, w, score=8, time_s=50, number=1)
    await attempt(session, c, w, score=8, time_s=40, number=2)
    standing = await session.get(Standing, (c.id, w.id))
    assert standing.time_used_ms == 40_000


async def test_last_counting_takes_the_latest_attempt(session: AsyncSession) -> None:
    c = await competition(session, attempts_allowed=3, counting="last")
    w = await worker(session, "张三", None)
    await attempt(session, c, w, score=8, time_s=50, number=1)
    await attempt(session, c, w, score=3, time_s=90, number=2)
    standing = await session.get(Standing, (c.id, w.id))
    assert (standing.score, standing.time_used_ms) == (3, 90_000)


async def test_individual_order_score_then_time_then_finish(session: AsyncSession) -> None:
    c = await competition(session)
    names = ["甲", "乙", "丙", "丁", "戊", "己"]
    ws = {n: await worker(session, n, None) for n in names}
    await attempt(session, c, ws["甲"], score=9, time_s=100)
    await attempt(session, c, ws["乙"], score=10, time_s=120)
    await attempt(session, c, ws["丙"], score=9, time_s=80)
    await attempt(session, c, ws["丁"], score=9, time_s=100, finished_min=5)  # earlier than 甲
    await attempt(session, c, ws["戊"], score=9, time_s=100)  # identical to 甲: shared rank
    await attempt(session, c, ws["己"], score=9, time_s=100, finished_min=None)  # still going
    rows = await top_individuals(session, competition_id=c.id, limit=20)
    assert [(r.rank, r.name) for r in rows] == [
        (1, "乙"), (2, "丙"), (3, "丁"), (4, "甲"), (4, "戊"), (6, "己"),
    ]  # fmt: skip
    for row in rows:
        info = await individual_rank(session, competition_id=c.id, worker_id=row.worker_id)
        assert info is not None and info.rank == row.rank and info.total == 6
    first = await individual_rank(session, competition_id=c.id, worker_id=ws["乙"].id)
    second = await individual_rank(session, competition_id=c.id, worker_id=ws["丙"].id)
    third = await individual_rank(session, competition_id=c.id, worker_id=ws["丁"].id)
    assert first.gap_to_next is None
    assert second.gap_to_next == 1.0  # 10 − 9
    assert third.gap_to_next == 0.0  # same score, 丙 is ahead on time
    assert await individual_rank(session, competition_id=c.id, worker_id=999) is None


async def _teams_fixture(session: AsyncSession, **rule_args: object) -> tuple:
    """Team A (一班): scores 10, 8, 6 + 2 registered who did not take part (5 members).
    Team B (二班): scores 9, 9 (2 members). Team C (三班): score 20 (4 members). All in 质量部,
    except C in 生产部."""
    c = await competition(session, **rule_args)
    a, b = await team(session, "质量部", "一班"), await team(session, "质量部", "二班")
    cc = await team(session, "生产部", "三班")
    team_a = [await worker(session, f"A{i}", a) for i in range(5)]  # A3, A4 do not take part
    team_b = [await worker(session, f"B{i}", b) for i in range(2)]
    team_c = [await worker(session, f"C{i}", cc) for i in range(4)]  # only C0 takes part
    for w, s in zip(team_a, [10, 8, 6], strict=False):
        await attempt(session, c, w, score=s, time_s=60)
    for w in team_b:
        await attempt(session, c, w, score=9, time_s=60)
    await attempt(session, c, team_c[0], score=20, time_s=60)
    return c, a, b, cc


def _board(rows: list) -> list[tuple]:
    return [(r.rank, r.name, r.score) for r in rows]


async def test_team_sum_ranking(session: AsyncSession) -> None:
    c, *_ = await _teams_fixture(session, team={"mode": "sum"})
    rows = await team_board(session, competition_id=c.id)
    assert _board(rows) == [(1, "一班", 24), (2, "三班", 20), (3, "二班", 18)]


async def test_team_avg_participants_ranking(session: AsyncSession) -> None:
    c, *_ = await _teams_fixture(session, team={"mode": "avg_participants"})
    rows = await team_board(session, competition_id=c.id)
    assert _board(rows) == [(1, "三班", 20), (2, "二班", 9), (3, "一班", 8)]


async def test_team_avg_registered_ranking(session: AsyncSession) -> None:
    c, *_ = await _teams_fixture(session, team={"mode": "avg_registered"})
    rows = await team_board(session, competition_id=c.id)
    # 一班 24/5 = 4.8, 二班 18/2 = 9, 三班 20/4 = 5
    assert _board(rows) == [(1, "二班", 9), (2, "三班", 5), (3, "一班", 4.8)]
    assert rows[2].participants == 3 and rows[2].registered == 5


async def test_team_top_n_avg_ranking(session: AsyncSession) -> None:
    c, *_ = await _teams_fixture(session, team={"mode": "top_n_avg", "top_n": 2})
    rows = await team_board(session, competition_id=c.id)
    # 一班 (10+8)/2 = 9, 二班 (9+9)/2 = 9, 三班 20/2 = 10
    assert _board(rows) == [(1, "三班", 10), (2, "一班", 9), (2, "二班", 9)]


async def test_team_min_participants_lists_small_teams_unranked(session: AsyncSession) -> None:
    c, *_ = await _teams_fixture(session, team={"mode": "sum", "min_participants": 2})
    rows = await team_board(session, competition_id=c.id)
    assert _board(rows) == [(1, "一班", 24), (2, "二班", 18), (None, "三班", 20)]


async def test_department_level_aggregates_sub_teams(session: AsyncSession) -> None:
    c, *_ = await _teams_fixture(session, team={"mode": "avg_participants", "level": "部门"})
    rows = await team_board(session, competition_id=c.id)
    # 质量部: (10+8+6+9+9)/5 = 8.4; 生产部: 20
    assert _board(rows) == [(1, "生产部", 20), (2, "质量部", 8.4)]
    assert rows[1].registered == 7


async def test_within_team_board_ranks_members_only(session: AsyncSession) -> None:
    c, a, _b, _c = await _teams_fixture(session)
    rows = await within_team_board(session, competition_id=c.id, team_id=a.id)
    assert [(r.rank, r.name) for r in rows] == [(1, "A0"), (2, "A1"), (3, "A2")]


async def test_worker_cannot_switch_team_during_open_competition(
    session: AsyncSession, clock
) -> None:
    c, a, b, _ = await _teams_fixture(session, team={"mode": "sum"})
    mover = (await within_team_board(session, competition_id=c.id, team_id=a.id))[0]
    with pytest.raises(ContestError) as err:
        await move_worker(session, worker_id=mover.worker_id, team_id=b.id,
                          by_organiser=False, clock=clock)  # fmt: skip
    assert err.value.code == "team_locked"


async def test_organiser_move_carries_the_standing_and_recomputes_teams(
    session: AsyncSession, clock
) -> None:
    c, a, b, _ = await _teams_fixture(session, team={"mode": "sum"})
    mover = (await within_team_board(session, competition_id=c.id, team_id=a.id))[0]  # 10 pts
    await turn(
        session,
        move_worker(
            session, worker_id=mover.worker_id, team_id=b.id, by_organiser=True, clock=clock
        ),
    )
    standing = await session.get(Standing, (c.id, mover.worker_id))
    assert standing.team_id == b.id
    rows = await team_board(session, competition_id=c.id)
    assert _board(rows) == [(1, "二班", 28), (2, "三班", 20), (3, "一班", 14)]
    dept = await session.get(TeamStanding, (c.id, a.parent_id), populate_existing=True)
    assert dept.score == 42 and dept.participants == 5


async def test_worker_may_switch_when_nothing_is_open(session: AsyncSession, clock) -> None:
    await competition(session, status=CompetitionStatus.CLOSED)
    a, b = await team(session, "质量部", "一班"), await team(session, "质量部", "二班")
    w = await worker(session, "张三", a)
    moved = await turn(
        session, move_worker(session, worker_id=w.id, team_id=b.id, by_organiser=False, clock=clock)
    )
    assert moved.team_id == b.id


async def test_practice_boards_by_day_week_and_overall(session: AsyncSession) -> None:
    a, b = await worker(session, "甲", None), await worker(session, "乙", None)
    today = T0.date() + timedelta(days=2)  # 2026-09-03, a Thursday
    days = [
        (a, today, 5), (b, today, 8),
        (a, today - timedelta(days=1), 6),  # same week
        (b, today - timedelta(days=10), 9),  # an earlier week
    ]  # fmt: skip
    for w, day, points in days:
        session.add(PracticeDay(worker_id=w.id, day=day, answered=10, correct=points, score=points))
    await session.commit()
    day = await practice_board(session, period=PracticePeriod.DAY, today=today)
    week = await practice_board(session, period=PracticePeriod.WEEK, today=today)
    overall = await practice_board(session, period=PracticePeriod.OVERALL, today=today)
    assert [(r.name, r.score) for r in day] == [("乙", 8), ("甲", 5)]
    assert [(r.name, r.score) for r in week] == [("甲", 11), ("乙", 8)]
    assert [(r.name, r.score) for r in overall] == [("乙", 17), ("甲", 11)]
    mine = await practice_rank(session, worker_id=b.id, period=PracticePeriod.WEEK, today=today)
    assert (mine.rank, mine.score, mine.total) == (2, 8, 2)


def _team_rows(rows: list[TeamStanding]) -> list[tuple]:
    return sorted((r.team_id, r.participants, r.registered, r.score_sum, r.score, r.ranked)
                  for r in rows)  # fmt: skip


@pytest.mark.parametrize("mode", ["sum", "avg_participants", "avg_registered", "top_n_avg"])
async def test_refresh_matches_a_hand_computation_of_every_team(
    session: AsyncSession, mode: str
) -> None:
    """Scores growing one answer at a time (the quiz flow) touch only the workers' own
    standings; a refresh then puts every team (班组 and 部门) where computing each one by
    hand from its members' scores puts it."""
    c = await competition(session, team={"mode": mode, "top_n": 2, "min_participants": 2})
    teams = [await team(session, "质量部", "一班"), await team(session, "生产部", "二班")]
    workers = [await worker(session, f"W{i}", teams[i % 2]) for i in range(5)]
    await worker(session, "没参加", teams[0])  # registered, no attempt
    runs = [await attempt(session, c, w, score=0, time_s=0, finished_min=None) for w in workers]
    before = _team_rows(list((await session.execute(select(TeamStanding))).scalars()))
    for step, points in enumerate([2, 0, 3, 1.5, 0, 2]):
        for i, run in enumerate(runs):
            run.score += points * (i + 1) / 2
            run.time_used_ms += 1000 * (step + 1)
            await record_attempt_progress(session, attempt=run, clock=lambda: T0)
            await session.commit()
    session.expunge_all()
    untouched = _team_rows(list((await session.execute(select(TeamStanding))).scalars()))
    assert untouched == before  # answers do not fan out to the team rows
    await refresh_team_standings(session, competition_id=c.id, clock=lambda: T0)
    await session.commit()
    session.expunge_all()
    got = {r.team_id: r for r in (await session.execute(select(TeamStanding))).scalars()}
    scores = [sum(points * (i + 1) / 2 for points in [2, 0, 3, 1.5, 0, 2]) for i in range(5)]
    # Standings and team scores are kept at the competition's precision (1 decimal).
    scores = [round_score(score, 1) for score in scores]
    for leaf_index, leaf in enumerate(teams):
        members = [scores[i] for i in range(5) if i % 2 == leaf_index]
        registered = len(members) + (1 if leaf_index == 0 else 0)
        expected, ranked = team_score(TeamMode(mode), members, registered, 2, 2)
        expected = round_score(expected, 1)
        for team_id in (leaf.id, leaf.parent_id):  # each 部门 holds exactly one 班组
            row = got[team_id]
            assert (row.participants, row.registered) == (len(members), registered)
            assert row.score_sum == pytest.approx(sum(members))
            assert (row.score, row.ranked) == (pytest.approx(expected), ranked)
