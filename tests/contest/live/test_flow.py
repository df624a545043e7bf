"""The live final's core on both databases: buzzes decided by receipt time, false starts,
rulings and their undo, risk values, 必答 turns, 加赛, the audience, audited adjustments."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from contest.admin.policy import Actor
from contest.errors import ContestError
from contest.live import flow
from contest.live.buzz import audience_answer, buzz
from contest.live.models import LiveBuzz, LiveEvent, LiveQuestion, LiveTeam, Phase
from contest.live.setup import set_rules
from contest.live.view import stage_view
from contest.models import AuditEntry
from tests.contest.live.fixtures import HOST, act, build_final, segment


async def _scores(session_factory, final_id):
    async with session_factory() as session:
        rows = await session.execute(
            select(LiveTeam.id, LiveTeam.score).where(LiveTeam.final_id == final_id)
        )
        return dict(rows.all())


async def _press(session_factory, setup, team, at, worker_id=None):
    return await act(
        session_factory,
        buzz,
        final_id=setup.final_id,
        team_id=team.id,
        worker_id=worker_id,
        received_at=at,
    )


async def _host(session_factory, clock, setup, verb, **kwargs):
    return await act(
        session_factory,
        getattr(flow, verb),
        actor=HOST,
        final_id=setup.final_id,
        clock=clock,
        **kwargs,
    )


async def test_first_valid_buzz_answers_and_scores_by_receipt_time(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    a, b, c = setup.teams[:3]
    await _host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=3)
    await _host(session_factory, clock, setup, "start")
    # Handled out of order: c's request first, then a's, which was received earlier.
    late = await _press(session_factory, setup, c, armed + timedelta(milliseconds=40))
    early = await _press(session_factory, setup, a, armed + timedelta(milliseconds=12))
    third = await _press(session_factory, setup, b, armed + timedelta(milliseconds=55))
    assert (late.status, late.rank) == ("first", 1)
    assert (early.status, early.rank) == ("first", 1)
    assert (third.status, third.rank, third.behind_ms) == ("queued", 3, 43)
    again = await _press(session_factory, setup, a, armed + timedelta(milliseconds=80))
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
    await _host(session_factory, clock, setup, "rule", right=True)
    scores = await _scores(session_factory, setup.final_id)
    assert scores[a.id] == 110 and scores[c.id] == 100


async def test_ten_simultaneous_buzzes_leave_exactly_one_first(session_factory, clock):
    setup = await build_final(session_factory, clock, teams=10, segments=[segment("buzzer")])
    await _host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=2)
    await _host(session_factory, clock, setup, "start")
    times = [armed + timedelta(microseconds=900 * (9 - i)) for i in range(10)]
    results = await asyncio.gather(
        *(
            _press(session_factory, setup, team, at)
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
                *(_press(session_factory, setup, t, armed) for t in setup.teams)
            )
        )
        == 1
    )
    assert len(results) == 10


async def test_false_starts_lose_the_question_and_the_second_costs_points(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    a, b = setup.teams[:2]
    await _host(session_factory, clock, setup, "next_question")
    first = await _press(session_factory, setup, a, clock.advance(seconds=1))
    assert (first.status, first.penalty) == ("false_start", 0)
    armed = clock.advance(seconds=1)
    await _host(session_factory, clock, setup, "start")
    after = await _press(session_factory, setup, a, armed + timedelta(milliseconds=5))
    assert after.status == "false_start" and after.again  # the team lost this question
    valid = await _press(session_factory, setup, b, armed + timedelta(milliseconds=9))
    assert valid.status == "first"
    await _host(session_factory, clock, setup, "next_question")
    clock.advance(seconds=1)
    second = await _press(session_factory, setup, a, clock())
    assert (second.status, second.penalty) == ("false_start", 20)
    assert (await _scores(session_factory, setup.final_id))[a.id] == 80


async def test_buzz_after_the_window_or_while_paused_is_refused(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    await _host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=1)
    await _host(session_factory, clock, setup, "start")
    with pytest.raises(ContestError) as late:
        await _press(session_factory, setup, setup.teams[0], armed + timedelta(seconds=16))
    assert late.value.code == "live_too_late"
    await _host(session_factory, clock, setup, "pause")
    with pytest.raises(ContestError) as paused:
        await _press(session_factory, setup, setup.teams[1], armed + timedelta(seconds=2))
    assert paused.value.code == "live_paused"
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(LiveBuzz)) == 0


async def test_wrong_answers_pass_the_question_then_send_it_to_the_audience(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    a, b, c = setup.teams[:3]
    await _host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=1)
    await _host(session_factory, clock, setup, "start")
    for i, team in enumerate((a, b, c)):
        await _press(session_factory, setup, team, armed + timedelta(milliseconds=10 * (i + 1)))
    await _host(session_factory, clock, setup, "rule", right=False)
    await _host(session_factory, clock, setup, "rule", right=False)
    scores = await _scores(session_factory, setup.final_id)
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
    await _host(session_factory, clock, setup, "reveal")
    async with session_factory() as session:
        view = await stage_view(session, final_id=setup.final_id, now=clock())
    assert view["audience"]["correct"] == 1 and view["audience"]["winners"] == ["观众甲"]
    assert view["question"]["answer"] == right


async def test_undo_takes_back_the_last_ruling_and_reopens_the_answer(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    a, b = setup.teams[:2]
    await _host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=1)
    await _host(session_factory, clock, setup, "start")
    await _press(session_factory, setup, a, armed + timedelta(milliseconds=3))
    await _press(session_factory, setup, b, armed + timedelta(milliseconds=4))
    await _host(session_factory, clock, setup, "rule", right=False)
    assert (await _scores(session_factory, setup.final_id))[a.id] == 90
    await _host(session_factory, clock, setup, "undo")
    assert (await _scores(session_factory, setup.final_id))[a.id] == 100
    await _host(session_factory, clock, setup, "rule", right=True)  # a answers again
    scores = await _scores(session_factory, setup.final_id)
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


async def test_risk_values_lowest_score_picks_first_and_a_wrong_answer_loses_it(
    session_factory, clock
):
    setup = await build_final(session_factory, clock, teams=3, segments=[segment("risk", 6)])
    a, b, _c = setup.teams
    await _host(session_factory, clock, setup, "adjust", team_id=b.id, delta=-5, reason="违规提示")
    question = await _host(session_factory, clock, setup, "next_question")
    assert question.team_id == b.id and question.phase == Phase.PICKING
    with pytest.raises(ContestError) as bad:
        await _host(session_factory, clock, setup, "pick_value", value=20)
    assert bad.value.code == "live_bad_value"
    await _host(session_factory, clock, setup, "pick_value", value=50)
    await _host(session_factory, clock, setup, "start")
    await _host(session_factory, clock, setup, "rule", right=False)
    assert (await _scores(session_factory, setup.final_id))[b.id] == 45
    nxt = await _host(session_factory, clock, setup, "next_question")
    assert nxt.team_id == a.id  # a and c have 100: seat order
    await _host(session_factory, clock, setup, "pick_value", value=30)
    await _host(session_factory, clock, setup, "start")
    await _host(session_factory, clock, setup, "rule", right=True)
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
        question = await _host(session_factory, clock, setup, "next_question")
        turns.append(question.team_id)
        with pytest.raises(ContestError):
            await _press(session_factory, setup, setup.teams[0], clock())
        await _host(session_factory, clock, setup, "start")
        await _host(session_factory, clock, setup, "rule", right=right)
    ids = [t.id for t in setup.teams]
    assert turns == [ids[0], ids[1], ids[2], ids[0]]
    scores = await _scores(session_factory, setup.final_id)
    assert [scores[i] for i in ids] == [120, 100, 110]
    with pytest.raises(ContestError) as done:
        await _host(session_factory, clock, setup, "next_question")
    assert done.value.code == "live_segment_done"


async def test_tiebreak_sudden_death_only_the_tied_teams_and_the_last_one_in_wins(
    session_factory, clock
):
    setup = await build_final(
        session_factory, clock, teams=4, segments=[segment("compulsory", 1), segment("tiebreak", 3)]
    )
    a, b, _c, d = setup.teams
    await _host(session_factory, clock, setup, "adjust", team_id=d.id, delta=-10, reason="测试")
    await _host(session_factory, clock, setup, "next_segment")
    await _host(session_factory, clock, setup, "next_segment")
    await _host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=1)
    await _host(session_factory, clock, setup, "start")
    with pytest.raises(ContestError) as out:
        await _press(session_factory, setup, d, armed + timedelta(milliseconds=1))
    assert out.value.code == "live_not_in_tiebreak"
    await _press(session_factory, setup, a, armed + timedelta(milliseconds=2))
    await _host(session_factory, clock, setup, "rule", right=False)  # a is out
    await _host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=1)
    await _host(session_factory, clock, setup, "start")
    with pytest.raises(ContestError):
        await _press(session_factory, setup, a, armed + timedelta(milliseconds=1))
    await _press(session_factory, setup, b, armed + timedelta(milliseconds=3))
    await _host(session_factory, clock, setup, "rule", right=True)
    await _host(session_factory, clock, setup, "finish")
    async with session_factory() as session:
        view = await stage_view(session, final_id=setup.final_id, now=clock())
    assert view["podium"][0]["ids"] == [b.id]
    assert {t["id"]: t["winner"] for t in view["teams"]}[b.id]
    assert {t["id"]: t["out"] for t in view["teams"]}[a.id]


async def test_adjustment_needs_a_reason_and_an_organiser_and_is_audited(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    team = setup.teams[0]
    with pytest.raises(ContestError) as no_reason:
        await _host(session_factory, clock, setup, "adjust", team_id=team.id, delta=10, reason=" ")
    assert no_reason.value.code == "live_reason_needed"
    stranger = Actor(999, via="test")
    with pytest.raises(ContestError) as denied:
        await act(
            session_factory,
            flow.adjust,
            actor=stranger,
            final_id=setup.final_id,
            team_id=team.id,
            delta=10,
            reason="申诉成立",
            clock=clock,
        )
    assert denied.value.code == "denied"
    await _host(
        session_factory,
        clock,
        setup,
        "adjust",
        team_id=team.id,
        delta=10,
        reason="评委裁定：申诉成立",
    )
    assert (await _scores(session_factory, setup.final_id))[team.id] == 110
    async with session_factory() as session:
        rows = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.outcome)
                .where(col(AuditEntry.action) == "live.adjust")
                .order_by(AuditEntry.id)
            )
        ).all()
        reason = (
            await session.execute(select(LiveEvent.reason).where(LiveEvent.kind == "adjust"))
        ).scalar_one()
    assert rows == [("live.adjust", "refused"), ("live.adjust", "denied"), ("live.adjust", "ok")]
    assert reason == "评委裁定：申诉成立"


async def test_rules_are_editable_and_checked(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    segment_row = await act(
        session_factory,
        set_rules,
        actor=HOST,
        final_id=setup.final_id,
        position=1,
        changes={"value": "20", "deduction": 20},
        clock=clock,
    )
    assert segment_row.rules["value"] == 20
    for changes in ({"value": "-5"}, {"colour": 1}, {"to_audience": "perhaps"}):
        with pytest.raises(ContestError) as bad:
            await act(
                session_factory,
                set_rules,
                actor=HOST,
                final_id=setup.final_id,
                position=1,
                changes=changes,
                clock=clock,
            )
        assert bad.value.code in {"live_bad_rule", "live_unknown_rule"}
    await _host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=1)
    await _host(session_factory, clock, setup, "start")
    await _press(session_factory, setup, setup.teams[0], armed)
    await _host(session_factory, clock, setup, "rule", right=False)
    assert (await _scores(session_factory, setup.final_id))[setup.teams[0].id] == 80


async def test_player_buzzers_count_once_per_team(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")], buzzer="player")
    team = setup.teams[0]
    one, two = setup.workers[team.id]
    await _host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=1)
    await _host(session_factory, clock, setup, "start")
    first, second = await asyncio.gather(
        _press(session_factory, setup, team, armed + timedelta(milliseconds=2), one),
        _press(session_factory, setup, team, armed + timedelta(milliseconds=3), two),
    )
    assert sorted([first.again, second.again]) == [False, True]
    with pytest.raises(ContestError) as stranger:
        await _press(session_factory, setup, setup.teams[1], armed, one)
    assert stranger.value.code == "live_not_a_player"


async def test_a_double_tap_on_the_console_acts_once(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    async with session_factory() as session:
        seen = (await stage_view(session, final_id=setup.final_id, now=clock()))["final"]
    first = await _host(session_factory, clock, setup, "next_question", expect=seen["version"])
    with pytest.raises(ContestError) as second:
        await _host(session_factory, clock, setup, "next_question", expect=seen["version"])
    assert second.value.code == "live_stale"
    async with session_factory() as session:
        view = await stage_view(session, final_id=setup.final_id, now=clock())
    assert view["question"]["id"] == first.id and view["question"]["position"] == 1
