"""The lean answer path through real HTTP and the real database (SQLite and PostgreSQL): the
bank question's row is kept per process but an edited question is graded by its new key at
once, a refusal is still said in the worker's own language, the session cookie is found
among others, and two processes given the same answers at once count each one once."""

from __future__ import annotations

import asyncio
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from config import Settings
from contest.models import (
    AnswerStatus,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Competition,
    Standing,
    Worker,
)
from contest.signing import new_session
from i18n import t
from quizbank.models import Question
from storage.db import create_engine, create_session_factory
from tests.conftest import MovableClock, _truncate_pg
from tests.web.conftest import WebServer
from tests.web.demo import build_plant

SINGLES = [{"type": "single", "count": 4}]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """This module's tests run on both backends: on PostgreSQL several processes answer at
    once, and the path's one read is the same Core statement on both."""
    if request.param == "sqlite":
        path = tmp_path / "web.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("pg_database")
    _truncate_pg(url)
    return url


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


async def test_two_processes_answering_the_same_attempts_at_once_count_each_answer_once(
    settings: Settings,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
    clock: MovableClock,
) -> None:
    plant = await build_plant(session, clock, workers=20, composition=SINGLES)
    crowd = settings.model_copy(update={"web_rate_per_address": 1e6, "web_rate_per_worker": 1e6})
    other_engine = create_engine(database_url)
    servers = [
        WebServer(crowd, session_factory, None, clock),
        WebServer(crowd, create_session_factory(other_engine), None, clock),
    ]
    for server in servers:
        await server.start()
    people = [_headers(settings, w.id or 0, clock) for w in plant.workers]
    try:
        async with aiohttp.ClientSession() as client:
            start = {"competition_id": plant.competition.id}
            started = await asyncio.gather(
                *(_post(client, f"{servers[0].url}/api/start", h, start) for h in people)
            )
            questions = [body for _, body in started]
            for _ in range(4):  # every answer posted to both processes at the same moment
                posts = [
                    (server, h, q)
                    for h, q in zip(people, questions, strict=True)
                    for server in servers
                ]
                replies = await asyncio.gather(
                    *(_post(client, f"{s.url}/api/answer", h, _answer_to(q)) for s, h, q in posts)
                )
                assert {status for status, _ in replies} == {200}
                outcomes = sorted(body["outcome"] for _, body in replies)
                assert outcomes.count("scored") == len(people)
                assert outcomes.count("closed") == len(people)
                by_person: dict[int, dict[str, Any]] = {}
                for (_, h, _), (_, body) in zip(posts, replies, strict=True):
                    if body["outcome"] == "scored":
                        by_person[id(h)] = body
                questions = [by_person[id(h)]["next"] for h in people]
    finally:
        for server in servers:
            await server.stop()
        await other_engine.dispose()
    async with session_factory() as check:
        attempts = (await check.execute(select(Attempt))).scalars().all()
        standings = {s.worker_id: s for s in (await check.execute(select(Standing))).scalars()}
        assert {a.status for a in attempts} == {AttemptStatus.FINISHED}
        for attempt in attempts:
            rows = (
                await check.execute(
                    select(col(AttemptQuestion.score), col(AttemptQuestion.status)).where(
                        col(AttemptQuestion.attempt_id) == attempt.id
                    )
                )
            ).all()
            assert [status for _, status in rows] == [AnswerStatus.ANSWERED] * 4
            assert attempt.score == pytest.approx(sum(score for score, _ in rows))
            assert standings[attempt.worker_id].score == pytest.approx(attempt.score, abs=0.05)


def _answer_to(question: dict[str, Any]) -> dict[str, Any]:
    return {"attempt_id": question["attempt_id"], "position": question["position"], "response": 1}


async def test_rules_edited_mid_contest_apply_from_the_next_answer(
    web_server: WebServer,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    clock: MovableClock,
) -> None:
    plant = await build_plant(session, clock, workers=1, composition=SINGLES)
    worker, competition = plant.workers[0], plant.competition
    assert worker.id is not None and competition.id is not None
    headers = _headers(web_server.settings, worker.id, clock)
    url = web_server.url
    async with aiohttp.ClientSession() as client:
        start = {"competition_id": competition.id}
        status, q0 = await _post(client, f"{url}/api/start", headers, start)
        assert status == 200
        body = {"attempt_id": q0["attempt_id"], "position": 0, "response": 0}
        status, step = await _post(client, f"{url}/api/answer", headers, body)
        assert status == 200 and step["feedback"]["answer"] is None and not step["paused"]
        # The organiser now shows the answers during the competition.
        async with session_factory() as edit:
            stored = await edit.get(Competition, competition.id)
            assert stored is not None
            feedback = {**stored.rules.get("feedback", {}), "show_answers": "during"}
            stored.rules = {**stored.rules, "feedback": feedback}
            await edit.commit()
        body = {**body, "position": 1}
        status, step = await _post(client, f"{url}/api/answer", headers, body)
        assert status == 200 and step["feedback"]["answer"] is not None and step["paused"]
