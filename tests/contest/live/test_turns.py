"""The live final's segments taken in turn on both databases: 必答 round the seats, 风险题
values picked by the lowest score, and the 加赛 sudden death of the tied teams."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest.errors import ContestError
from contest.live.models import Phase
from contest.live.view import stage_view
from tests.contest.live.fixtures import build_final, host, press, segment, team_scores


async def test_risk_values_lowest_score_picks_first_and_a_wrong_answer_loses_it(
    session_factory, clock
):
    setup = await build_final(session_factory, clock, teams=3, segments=[segment("risk", 6)])
    a, b, _c = setup.teams
    await host(session_factory, clock, setup, "adjust", team_id=b.id, delta=-5, reason="违规提示")
    question = await host(session_factory, clock, setup, "next_question")
    assert question.team_id == b.id and question.phase == Phase.PICKING
    with pytest.raises(ContestError) as bad:
        await host(session_factory, clock, setup, "pick_value", value=20)
    assert bad.value.code == "live_bad_value"
    await host(session_factory, clock, setup, "pick_value", value=50)
    await host(session_factory, clock, setup, "start")
    await host(session_factory, clock, setup, "rule", right=False)
    assert (await team_scores(session_factory, setup.final_id))[b.id] == 45
    nxt = await host(session_factory, clock, setup, "next_question")
    assert nxt.team_id == a.id  # a and c have 100: seat order
    await host(session_factory, clock, setup, "pick_value", value=30)
    await host(session_factory, clock, setup, "start")
    await host(session_factory, clock, setup, "rule", right=True)
    async with session_factory() as session:
        view = await stage_view(session, final_id=setup.final_id, now=clock())
    taken = {t["id"]: t["risk"] for t in view["teams"]}
    assert taken[b.id] == [{"value": 50, "outcome": "wrong"}]
    assert taken[a.id] == [{"value": 30, "outcome": "right"}]
    assert {t["id"]: t["score"] for t in view["teams"]}[a.id] == 130


async def test_compulsory_questions_go_round_the_seats_without_deduction(session_factory, clock):
    setup = await build_final(session_factory, clock, teams=3, segments=[segment("compulsory", 4)])
    turns = []
    for right in (True, False, True, True):
        question = await host(session_factory, clock, setup, "next_question")
        turns.append(question.team_id)
        with pytest.raises(ContestError):
            await press(session_factory, setup, setup.teams[0], clock())
        await host(session_factory, clock, setup, "start")
        await host(session_factory, clock, setup, "rule", right=right)
    ids = [t.id for t in setup.teams]
    assert turns == [ids[0], ids[1], ids[2], ids[0]]
    scores = await team_scores(session_factory, setup.final_id)
    assert [scores[i] for i in ids] == [120, 100, 110]
    with pytest.raises(ContestError) as done:
        await host(session_factory, clock, setup, "next_question")
    assert done.value.code == "live_segment_done"


async def test_tiebreak_sudden_death_only_the_tied_teams_and_the_last_one_in_wins(
    session_factory, clock
):
    setup = await build_final(
        session_factory, clock, teams=4, segments=[segment("compulsory", 1), segment("tiebreak", 3)]
    )
    a, b, _c, d = setup.teams
    await host(session_factory, clock, setup, "adjust", team_id=d.id, delta=-10, reason="测试")
    await host(session_factory, clock, setup, "next_segment")
    await host(session_factory, clock, setup, "next_segment")
    await host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=1)
    await host(session_factory, clock, setup, "start")
    with pytest.raises(ContestError) as out:
        await press(session_factory, setup, d, armed + timedelta(milliseconds=1))
    assert out.value.code == "live_not_in_tiebreak"
    await press(session_factory, setup, a, armed + timedelta(milliseconds=2))
    await host(session_factory, clock, setup, "rule", right=False)  # a is out
    await host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=1)
    await host(session_factory, clock, setup, "start")
    with pytest.raises(ContestError):
        await press(session_factory, setup, a, armed + timedelta(milliseconds=1))
    await press(session_factory, setup, b, armed + timedelta(milliseconds=3))
    await host(session_factory, clock, setup, "rule", right=True)
    await host(session_factory, clock, setup, "finish")
    async with session_factory() as session:
        view = await stage_view(session, final_id=setup.final_id, now=clock())
    assert view["podium"][0]["ids"] == [b.id]
    assert {t["id"]: t["winner"] for t in view["teams"]}[b.id]
    assert {t["id"]: t["out"] for t in view["teams"]}[a.id]
