"""The live final's console on both databases: audited adjustments with a reason, the rules
edited and checked, a double tap acting once."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import col

from contest.admin.policy import Actor
from contest.errors import ContestError
from contest.live import flow
from contest.live.models import LiveEvent
from contest.live.setup import set_rules
from contest.live.view import stage_view
from contest.models import AuditEntry
from tests.contest.live.fixtures import HOST, act, build_final, host, press, segment, team_scores


async def test_adjustment_needs_a_reason_and_an_organiser_and_is_audited(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    team = setup.teams[0]
    with pytest.raises(ContestError) as no_reason:
        await host(session_factory, clock, setup, "adjust", team_id=team.id, delta=10, reason=" ")
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
    await host(
        session_factory,
        clock,
        setup,
        "adjust",
        team_id=team.id,
        delta=10,
        reason="评委裁定：申诉成立",
    )
    assert (await team_scores(session_factory, setup.final_id))[team.id] == 110
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
    await host(session_factory, clock, setup, "next_question")
    armed = clock.advance(seconds=1)
    await host(session_factory, clock, setup, "start")
    await press(session_factory, setup, setup.teams[0], armed)
    await host(session_factory, clock, setup, "rule", right=False)
    assert (await team_scores(session_factory, setup.final_id))[setup.teams[0].id] == 80


async def test_a_double_tap_on_the_console_acts_once(session_factory, clock):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    async with session_factory() as session:
        seen = (await stage_view(session, final_id=setup.final_id, now=clock()))["final"]
    first = await host(session_factory, clock, setup, "next_question", expect=seen["version"])
    with pytest.raises(ContestError) as second:
        await host(session_factory, clock, setup, "next_question", expect=seen["version"])
    assert second.value.code == "live_stale"
    async with session_factory() as session:
        view = await stage_view(session, final_id=setup.final_id, now=clock())
    assert view["question"]["id"] == first.id and view["question"]["position"] == 1
