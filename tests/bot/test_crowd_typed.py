"""A crowd typing blank answers at once, each worker sending their answer twice.

Through the webhook and the production intake: every worker's first question is answered
once (the second text was written before the next question appeared: not counted), the
next question waits for them, and nobody reads an error.
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.intake import Intake
from bot.webhook import build_webhook_app
from contest.models import AnswerStatus, Attempt, AttemptQuestion, AttemptStatus, Worker
from i18n import t
from tests.bot.fixtures import add_bank, add_competition
from tests.fakes.crowd import Person, post_all
from tests.fakes.telegram import FakeTelegram

SECRET = "crowd-secret"
CROWD = 100


@pytest.fixture
async def typists(session, clock, api: FakeTelegram) -> list[Person]:
    await add_bank(session)
    await add_competition(session, clock, name="填空赛", composition=[{"type": "填空", "count": 2}])
    people = [Person(api, 80_000 + i, f"打字员{i}") for i in range(CROWD)]
    session.add_all(
        Worker(telegram_id=p.id, real_name=f"打字员{i}", registered_at=clock())
        for i, p in enumerate(people)
    )
    await session.commit()
    return people


async def test_a_crowd_types_its_blank_answers_twice_and_each_counts_once(
    typists: list[Person], intake: Intake, api: FakeTelegram, session
) -> None:
    app = build_webhook_app(intake, secret=SECRET)
    async with TestClient(TestServer(app)) as client:

        async def everyone(*updates_of) -> None:
            await post_all(client, SECRET, [make(p) for p in typists for make in updates_of])
            await intake.idle(within=120)

        await everyone(lambda p: p.says("/quiz"))
        await everyone(lambda p: p.taps("填空赛"), lambda p: p.taps("填空赛"))  # double tap
        await everyone(lambda p: p.says("9"), lambda p: p.says("9"))  # typed twice, no reply

        rows = (await session.execute(select(AttemptQuestion))).scalars().all()
        by_position = {
            position: sorted(AnswerStatus(r.status).value for r in rows if r.position == position)
            for position in (0, 1)
        }
        assert by_position[0] == ["answered"] * CROWD
        assert by_position[1] == ["pending"] * CROWD
        assert all(r.correct for r in rows if r.position == 0)

        await everyone(lambda p: p.says("九"))  # the second question, typed once
    attempts = (await session.execute(select(Attempt))).scalars().all()
    assert len(attempts) == CROWD
    assert {(a.status, a.correct_count, a.score) for a in attempts} == {
        (AttemptStatus.FINISHED, 2, 4.0)
    }
    answered = await session.scalar(
        select(func.count())
        .select_from(AttemptQuestion)
        .where(AttemptQuestion.status == AnswerStatus.ANSWERED)
    )
    assert answered == 2 * CROWD
    errors = {t("common.unknown_error", "zh"), t("common.busy", "zh")}
    assert not [r for r in api.requests if r.text in errors]
