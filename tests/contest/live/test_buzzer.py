"""The live final's 抢答 on both databases: buzzes decided by receipt time, false starts,
wrong answers passed on and sent to the audience, the undo of a ruling, players' buzzers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from contest.errors import ContestError
from contest.live.buzz import audience_answer
from contest.live.models import LiveBuzz, LiveEvent, LiveQuestion, Phase
from contest.live.view import stage_view
from tests.contest.live.fixtures import act, build_final, host, press, segment, team_scores


async def test_first_valid_buzz_answers_and_scores_by_receipt_time(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    a, b, c = setup.teams[:3]
    await host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=3)
    await host(session_factory, clock, setup, "start")
    # Handled out of order: c's request first, then a's, which was received earlier.
    late = await press(session_factory, setup, c, armed + timedelta(milliseconds=40))
    early = await press(session_factory, setup, a, armed + timedelta(milliseconds=12))
    third = await press(session_factory, setup, b, armed + timedelta(milliseconds=55))
    assert (late.status, late.rank) == ("first", 1)
    assert (early.status, early.rank) == ("first", 1)
    assert (third.status, third.rank, third.behind_ms) == ("queued", 3, 43)
    again = await press(session_factory, setup, a, armed + timedelta(milliseconds=80))
    assert again.again and again.rank == 1
    async with session_factory() as session:
        question = (
            await session.execute(
                select(LiveQuestion).where(
                    LiveQuestion.final_id == setup.final_id, LiveQuestion.phase != Phase.PENDING
                )
            )
        ).scalar_one()
        first = await session.get(LiveBuzz, question.first_buzz_id)
        assert first.team_id == a.id and question.phase == Phase.ANSWERING
        view = await stage_view(session, final_id=setup.final_id, now=clock())
    assert [(x["team_id"], x["rank"], x["behind_ms"]) for x in view["buzzes"]] == [
        (a.id, 1, 0),
        (c.id, 2, 28),
        (b.id, 3, 43),
    ]
    await host(session_factory, clock, setup, "rule", right=True)
    scores = await team_scores(session_factory, setup.final_id)
    assert scores[a.id] == 110 and scores[c.id] == 100


async def test_ten_simultaneous_buzzes_leave_exactly_one_first(session_factory, clock):
    setup = await build_final(session_factory, clock, teams=10, segments=[segment("buzzer")])
    await host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=2)
    await host(session_factory, clock, setup, "start")
    times = [armed + timedelta(microseconds=900 * (9 - i)) for i in range(10)]
    results = await asyncio.gather(
        *(
            press(session_factory, setup, team, at)
            for team, at in zip(setup.teams, times, strict=True)
        )
    )
    async with session_factory() as session:
        count = await session.scalar(select(func.count()).select_from(LiveBuzz))
        view = await stage_view(session, final_id=setup.final_id, now=clock())
    assert count == 10
    assert view["buzzes"][0]["team_id"] == setup.teams[9].id  # the earliest receipt
    assert [x["rank"] for x in view["buzzes"]] == list(range(1, 11))
    assert (
        sum(
            r.rank == 1
            for r in await asyncio.gather(
                *(press(session_factory, setup, t, armed) for t in setup.teams)
            )
        )
        == 1
    )
    assert len(results) == 10


async def test_false_starts_lose_the_question_and_the_second_costs_points(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    a, b = setup.teams[:2]
    await host(session_factory, clock, setup, "next_question")
    first = await press(session_factory, setup, a, clock.advance(seconds=1))
    assert (first.status, first.penalty) == ("false_start", 0)
    armed = clock.advance(seconds=1)
    await host(session_factory, clock, setup, "start")
    after = await press(session_factory, setup, a, armed + timedelta(milliseconds=5))
    assert after.status == "false_start" and after.again  # the team lost this question
    valid = await press(session_factory, setup, b, armed + timedelta(milliseconds=9))
    assert valid.status == "first"
    await host(session_factory, clock, setup, "next_question")
    clock.advance(seconds=1)
    second = await press(session_factory, setup, a, clock())
    assert (second.status, second.penalty) == ("false_start", 20)
    assert (await team_scores(session_factory, setup.final_id))[a.id] == 80


async def test_buzz_after_the_window_or_while_paused_is_refused(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    await host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=1)
    await host(session_factory, clock, setup, "start")
    with pytest.raises(ContestError) as late:
        await press(session_factory, setup, setup.teams[0], armed + timedelta(seconds=16))
    assert late.value.code == "live_too_late"
    await host(session_factory, clock, setup, "pause")
    with pytest.raises(ContestError) as paused:
        await press(session_factory, setup, setup.teams[1], armed + timedelta(seconds=2))
    assert paused.value.code == "live_paused"
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(LiveBuzz)) == 0


async def test_wrong_answers_pass_the_question_then_send_it_to_the_audience(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    a, b, c = setup.teams[:3]
    await host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=1)
    await host(session_factory, clock, setup, "start")
    for i, team in enumerate((a, b, c)):
        await press(session_factory, setup, team, armed + timedelta(milliseconds=10 * (i + 1)))
    await host(session_factory, clock, setup, "rule", right=False)
    await host(session_factory, clock, setup, "rule", right=False)
    scores = await team_scores(session_factory, setup.final_id)
    assert (scores[a.id], scores[b.id], scores[c.id]) == (90, 90, 100)
    async with session_factory() as session:
        view = await stage_view(session, final_id=setup.final_id, now=clock())
    assert view["question"]["phase"] == "audience" and view["audience"]["open"]
    question_id = view["question"]["id"]
    answer = view["question"]["answer"]
    assert answer is None  # the stage does not show it before the reveal
    async with session_factory() as session:
        bank = (
            await session.execute(select(LiveQuestion).where(LiveQuestion.id == question_id))
        ).scalar_one()
        from quizbank.models import Question

        right = (await session.get(Question, bank.question_id)).answer
    response = 1 if right == [True] else right[0]
    wrong = 0 if right == [True] else (right[0] + 1) % 4
    ok = await act(
        session_factory,
        audience_answer,
        final_id=setup.final_id,
        question_id=question_id,
        voter="phone1",
        name="观众甲",
        response=response,
        received_at=clock(),
    )
    bad = await act(
        session_factory,
        audience_answer,
        final_id=setup.final_id,
        question_id=question_id,
        voter="phone2",
        name="",
        response=wrong,
        received_at=clock(),
    )
    assert ok and not bad
    with pytest.raises(ContestError) as twice:
        await act(
            session_factory,
            audience_answer,
            final_id=setup.final_id,
            question_id=question_id,
            voter="phone1",
            name="",
            response=wrong,
            received_at=clock(),
        )
    assert twice.value.code == "live_audience_already"
    await host(session_factory, clock, setup, "reveal")
    async with session_factory() as session:
        view = await stage_view(session, final_id=setup.final_id, now=clock())
    assert view["audience"]["correct"] == 1 and view["audience"]["winners"] == ["观众甲"]
    assert view["question"]["answer"] == right


async def test_undo_takes_back_the_last_ruling_and_reopens_the_answer(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    a, b = setup.teams[:2]
    await host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=1)
    await host(session_factory, clock, setup, "start")
    await press(session_factory, setup, a, armed + timedelta(milliseconds=3))
    await press(session_factory, setup, b, armed + timedelta(milliseconds=4))
    await host(session_factory, clock, setup, "rule", right=False)
    assert (await team_scores(session_factory, setup.final_id))[a.id] == 90
    await host(session_factory, clock, setup, "undo")
    assert (await team_scores(session_factory, setup.final_id))[a.id] == 100
    await host(session_factory, clock, setup, "rule", right=True)  # a answers again
    scores = await team_scores(session_factory, setup.final_id)
    assert (scores[a.id], scores[b.id]) == (110, 100)
    async with session_factory() as session:
        kinds = (
            await session.execute(
                select(LiveEvent.kind, LiveEvent.undone)
                .where(LiveEvent.kind.in_(["right", "wrong", "undo"]))
                .order_by(LiveEvent.id)
            )
        ).all()
    assert kinds == [("wrong", True), ("undo", False), ("right", False)]


async def test_player_buzzers_count_once_per_team(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")], buzzer="player")
    team = setup.teams[0]
    one, two = setup.workers[team.id]
    await host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=1)
    await host(session_factory, clock, setup, "start")
    first, second = await asyncio.gather(
        press(session_factory, setup, team, armed + timedelta(milliseconds=2), one),
        press(session_factory, setup, team, armed + timedelta(milliseconds=3), two),
    )
    assert sorted([first.again, second.again]) == [False, True]
    with pytest.raises(ContestError) as stranger:
        await press(session_factory, setup, setup.teams[1], armed, one)
    assert stranger.value.code == "live_not_a_player"
