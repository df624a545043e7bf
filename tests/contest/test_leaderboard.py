from sqlalchemy.ext.asyncio import AsyncSession

from contest.leaderboard import competition_leaderboard
from tests.contest.helpers import attempt, competition, team, worker


async def test_leaderboard_has_top_rows_my_rank_gap_and_my_team(session: AsyncSession) -> None:
    c = await competition(session, team={"mode": "avg_participants"})
    one, two = await team(session, "质量部", "一班"), await team(session, "质量部", "二班")
    scores = [("甲", one, 10), ("乙", two, 9), ("丙", one, 7), ("丁", two, 5)]
    ws = {}
    for name, t, s in scores:
        ws[name] = await worker(session, name, t)
        await attempt(session, c, ws[name], score=s, time_s=60)
    board = await competition_leaderboard(session, competition_id=c.id, worker_id=ws["丙"].id,
                                          limit=2)  # fmt: skip
    assert [(r.rank, r.name) for r in board.top] == [(1, "甲"), (2, "乙")]
    assert (board.me.rank, board.me.total, board.gap_to_next) == (3, 4, 2.0)
    assert [(t.rank, t.name, t.score) for t in board.teams] == [(1, "一班", 8.5), (2, "二班", 7)]
    assert board.my_team is not None and board.my_team.name == "一班"
    anonymous = await competition_leaderboard(session, competition_id=c.id)
    assert anonymous.me is None and anonymous.my_team is None and anonymous.participants == 4
