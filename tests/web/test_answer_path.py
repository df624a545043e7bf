"""The lean answer path through real HTTP and the real database: the bank question's row is
kept per process but an edited question is graded by its new key at once, a refusal is
still said in the worker's own language, and the session cookie is found among others."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from config import Settings
from contest.models import AttemptQuestion, Worker
from contest.signing import new_session
from i18n import t
from quizbank.models import Question
from tests.conftest import MovableClock
from tests.web.conftest import WebServer
from tests.web.demo import build_plant

SINGLES = [{"type": "single", "count": 4}]


def _headers(settings: Settings, worker_id: int, clock: MovableClock) -> dict[str, str]:
    token, signed = new_session(settings.web_key, worker_id=worker_id, via="app", now=clock())
    return {"Cookie": f"qq_session={token}", "X-CSRF-Token": signed.csrf(settings.web_key)}


async def _post(
    client: aiohttp.ClientSession, url: str, headers: dict[str, str], body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    async with client.post(url, json=body, headers=headers) as response:
        return response.status, await response.json()


async def _displayed(
    session_factory: async_sessionmaker[AsyncSession], attempt_id: int, position: int, stored: int
) -> int:
    """Where the stored option ``stored`` is shown (the paper shuffles options)."""
    async with session_factory() as session:
        order = await session.scalar(
            select(col(AttemptQuestion.option_order)).where(
                col(AttemptQuestion.attempt_id) == attempt_id,
                col(AttemptQuestion.position) == position,
            )
        )
    return order.index(stored) if order else stored


async def _question_at(
    session_factory: async_sessionmaker[AsyncSession], attempt_id: int, position: int
) -> Question:
    async with session_factory() as session:
        question = await session.scalar(
            select(Question)
            .join(AttemptQuestion, col(AttemptQuestion.question_id) == col(Question.id))
            .where(
                col(AttemptQuestion.attempt_id) == attempt_id,
                col(AttemptQuestion.position) == position,
            )
        )
    assert question is not None
    return question


async def test_a_question_edited_mid_contest_is_graded_by_its_new_key(
    web_server: WebServer,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: MovableClock,
) -> None:
    plant = await build_plant(session, clock, workers=1, composition=SINGLES)
    worker = plant.workers[0]
    assert worker.id is not None and plant.competition.id is not None
    headers = _headers(web_server.settings, worker.id, clock)
    url = web_server.url
    async with aiohttp.ClientSession() as client:
        status, q0 = await _post(
            client, f"{url}/api/start", headers, {"competition_id": plant.competition.id}
        )
        assert status == 200 and q0["position"] == 0
        attempt_id = q0["attempt_id"]
        # The first answer reads question 1 too (it is the next one shown): now it is kept.
        body = {"attempt_id": attempt_id, "position": 0, "response": 0}
        status, step = await _post(client, f"{url}/api/answer", headers, body)
        assert status == 200 and step["next"]["position"] == 1
        q1 = await _question_at(session_factory, attempt_id, 1)
        old_key = q1.answer[0]
        new_key = (old_key + 1) % len(q1.options)
        # The bank is re-imported with another key for it: a new version of the question.
        async with session_factory() as edit:
            await edit.execute(
                update(Question)
                .where(col(Question.id) == q1.id)
                .values(
                    answer=[new_key],
                    content_hash=f"{q1.content_hash}-v2",
                    updated_at=clock() + timedelta(seconds=1),
                )
            )
            await edit.commit()
        shown = await _displayed(session_factory, attempt_id, 1, new_key)
        body = {"attempt_id": attempt_id, "position": 1, "response": shown}
        status, step = await _post(client, f"{url}/api/answer", headers, body)
        assert status == 200 and step["outcome"] == "scored"
        assert step["feedback"]["correct"] is True and step["feedback"]["score"] > 0
        # A question retired from the bank mid-contest stays on the papers that drew it.
        q2 = await _question_at(session_factory, attempt_id, 2)
        async with session_factory() as edit:
            await edit.execute(
                update(Question)
                .where(col(Question.id) == q2.id)
                .values(active=False, updated_at=clock() + timedelta(seconds=2))
            )
            await edit.commit()
        shown = await _displayed(session_factory, attempt_id, 2, q2.answer[0])
        body = {"attempt_id": attempt_id, "position": 2, "response": shown}
        status, step = await _post(client, f"{url}/api/answer", headers, body)
        assert status == 200 and step["feedback"]["correct"] is True
        # The same answer again is a replay: it counts nothing.
        status, replay = await _post(client, f"{url}/api/answer", headers, body)
        assert status == 200 and replay["outcome"] == "closed"
        assert replay["next"]["position"] == 3


async def test_a_refusal_on_the_answer_path_is_in_the_workers_language(
    web_server: WebServer, session: AsyncSession, clock: MovableClock
) -> None:
    plant = await build_plant(session, clock, workers=2, composition=SINGLES)
    mine, other = plant.workers
    assert mine.id is not None and other.id is not None
    mine.language = "en"
    await session.commit()
    settings, url = web_server.settings, web_server.url
    headers = _headers(settings, mine.id, clock)
    # Another cookie before ours, as a browser may send: the session is still found.
    cookies = {**headers, "Cookie": "theme=dark; " + headers["Cookie"] + "; lang=zh"}
    async with aiohttp.ClientSession() as client:
        start = {"competition_id": plant.competition.id}
        status, q0 = await _post(client, f"{url}/api/start", cookies, start)
        assert status == 200
        bad = {"attempt_id": q0["attempt_id"], "position": 0, "response": 9}
        status, refused = await _post(client, f"{url}/api/answer", cookies, bad)
        assert status == 409 and refused["error"] == "bad_response"
        assert refused["message"] == t("quiz.error.bad_response", "en")
        # Someone else's attempt: refused, in their own language (Chinese by default).
        theirs = _headers(settings, other.id, clock)
        status, refused = await _post(client, f"{url}/api/answer", theirs, {**bad, "response": 0})
        assert status == 403 and refused["error"] == "not_your_attempt"
        assert refused["message"] != t("quiz.error.not_your_attempt", "en")
        # A signed session of a worker who no longer exists is not signed in.
        ghost = _headers(settings, 999_999, clock)
        status, refused = await _post(client, f"{url}/api/answer", ghost, {**bad, "response": 0})
        assert status == 401 and refused["error"] == "not_signed_in"
    async with web_server.session_factory() as check:
        assert await check.get(Worker, 999_999) is None
