from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from contest import competitions as comps
from contest.errors import ContestError, DefinitionRejected
from contest.models import CompetitionStatus as S
from contest.rules import TeamMode
from tests.turns import turn

EXAMPLE = Path(__file__).resolve().parents[2] / "contest" / "examples" / "contest.yaml"

MINIMAL = """
name: 测试竞赛
starts_at: 2026-09-01 08:00:00
ends_at: 2026-09-02 20:00
rules:
  composition:
    - {type: 单选, count: 3}
"""


def test_example_definition_is_valid() -> None:
    definition = comps.parse_yaml(EXAMPLE.read_text(encoding="utf-8"))
    assert definition.rules.question_count == 22
    assert [(i.type.value, i.count) for i in definition.rules.composition] == [
        ("single", 10), ("multiple", 5), ("true_false", 5), ("blank", 2),
    ]  # fmt: skip
    assert definition.rules.announce.cron == "0 18 * * *"
    assert definition.rules.team.mode is TeamMode.AVG_REGISTERED


async def test_yaml_times_are_local_and_stored_as_utc(session: AsyncSession, clock) -> None:
    c = await turn(
        session,
        comps.create_competition_from_yaml(session, text=MINIMAL, created_by="t", clock=clock),
    )
    loaded = await comps.get_competition(session, competition_id=c.id)
    assert loaded.starts_at == datetime(2026, 9, 1, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert loaded.ends_at == datetime(2026, 9, 2, 12, 0, tzinfo=UTC)
    assert loaded.status == S.SCHEDULED
    assert loaded.rules["question_time_limit_s"] == 30


@pytest.mark.parametrize(
    ("text", "loc", "code"),
    [
        ("name: [unclosed", "line 1, column 16", "yaml_syntax"),
        ("- a list", "", "not_a_mapping"),
        (
            MINIMAL.replace("count: 3", "count: 0"),
            "rules.composition.0.count",
            "greater_than_equal",
        ),
        (MINIMAL.replace("单选", "问答"), "rules.composition.0.type", "enum"),
        (MINIMAL + "  colour: red\n", "rules.colour", "extra_forbidden"),
        (MINIMAL + "timezone: Mars/Base\n", "timezone", "value_error"),
        (MINIMAL.replace("2026-09-02 20:00", "2026-08-01 20:00"), "ends_at", "ends_before_start"),
        (MINIMAL + "  team: {mode: top_n_avg}\n", "rules.team", "value_error"),
        (MINIMAL + "  announce: {cron: '18:00'}\n", "rules.announce.cron", "value_error"),
    ],
)
def test_definition_errors_say_where_and_why(text: str, loc: str, code: str) -> None:
    with pytest.raises(DefinitionRejected) as err:
        comps.parse_yaml(text)
    assert [(i.loc, i.code) for i in err.value.issues][:1] == [(loc, code)]


def test_every_definition_problem_is_reported_at_once() -> None:
    text = "name: ''\nstarts_at: soon\nends_at: 2026-09-02 20:00\nrules: {composition: []}\n"
    with pytest.raises(DefinitionRejected) as err:
        comps.parse_yaml(text)
    assert {i.loc for i in err.value.issues} == {"name", "starts_at", "rules.composition"}


async def test_lifecycle_guards(session: AsyncSession, clock) -> None:
    clock.set(datetime(2026, 8, 31, tzinfo=UTC))
    text = MINIMAL + "status: draft\n"
    c = await turn(
        session,
        comps.create_competition_from_yaml(session, text=text, created_by=None, clock=clock),
    )
    assert c.status == S.DRAFT
    with pytest.raises(ContestError) as err:
        await comps.close_competition(session, competition_id=c.id, clock=clock)
    assert (err.value.code, err.value.params["old"]) == ("bad_transition", "draft")
    await turn(session, comps.schedule_competition(session, competition_id=c.id, clock=clock))
    opened = await turn(session, comps.open_competition(session, competition_id=c.id, clock=clock))
    assert opened.status == S.OPEN and opened.starts_at == clock()  # opened early
    with pytest.raises(ContestError) as err:
        await comps.archive_competition(session, competition_id=c.id, clock=clock)
    assert err.value.code == "bad_transition"
    with pytest.raises(ContestError) as err:
        await comps.delete_competition(session, competition_id=c.id)
    assert err.value.code == "competition_open"
    with pytest.raises(ContestError) as err:
        await comps.update_competition(
            session,
            competition_id=c.id,
            clock=clock,
            rules={"composition": [{"type": "single", "count": 1}]},
        )
    assert err.value.code == "rules_locked"
    closed = await turn(session, comps.close_competition(session, competition_id=c.id, clock=clock))
    assert closed.status == S.CLOSED and not comps.accepts_answers(closed, now=clock())
    await turn(session, comps.archive_competition(session, competition_id=c.id, clock=clock))
    with pytest.raises(ContestError) as err:
        await comps.open_competition(session, competition_id=c.id, clock=clock)
    assert err.value.code in {"bad_transition", "already_ended"}
    await turn(session, comps.delete_competition(session, competition_id=c.id))
    assert await comps.get_competition(session, competition_id=c.id) is None


async def test_sync_statuses_opens_and_closes_at_their_times(session: AsyncSession, clock) -> None:
    clock.set(datetime(2026, 8, 31, tzinfo=UTC))
    c = await turn(
        session,
        comps.create_competition_from_yaml(session, text=MINIMAL, created_by=None, clock=clock),
    )
    assert await turn(session, comps.sync_statuses(session, clock=clock)) == []
    clock.set(datetime(2026, 9, 1, 0, 0, tzinfo=UTC))  # 08:00 Shanghai
    changes = await turn(session, comps.sync_statuses(session, clock=clock))
    assert [(ch.competition_id, ch.old, ch.new) for ch in changes] == [(c.id, S.SCHEDULED, S.OPEN)]
    assert [x.id for x in await comps.open_competitions(session, clock=clock)] == [c.id]
    clock.advance(days=2)
    changes = await turn(session, comps.sync_statuses(session, clock=clock))
    assert [(ch.old, ch.new) for ch in changes] == [(S.OPEN, S.CLOSED)]
    assert await comps.open_competitions(session, clock=clock) == []


async def test_missed_window_goes_straight_to_closed(session: AsyncSession, clock) -> None:
    clock.set(datetime(2026, 10, 1, tzinfo=UTC))
    await turn(
        session,
        comps.create_competition_from_yaml(session, text=MINIMAL, created_by=None, clock=clock),
    )
    changes = await turn(session, comps.sync_statuses(session, clock=clock))
    assert [(ch.old, ch.new) for ch in changes] == [(S.SCHEDULED, S.CLOSED)]


async def test_update_times_and_refuse_end_before_start(session: AsyncSession, clock) -> None:
    c = await turn(
        session,
        comps.create_competition_from_yaml(session, text=MINIMAL, created_by=None, clock=clock),
    )
    later = c.ends_at + timedelta(days=3)
    updated = await turn(
        session,
        comps.update_competition(
            session, competition_id=c.id, clock=clock, ends_at=later, name="改名"
        ),
    )
    assert (updated.ends_at, updated.name) == (later, "改名")
    with pytest.raises(ContestError) as err:
        await comps.update_competition(session, competition_id=c.id, clock=clock,
                                       ends_at=c.starts_at - timedelta(hours=1))  # fmt: skip
    assert err.value.code == "ends_before_start"
