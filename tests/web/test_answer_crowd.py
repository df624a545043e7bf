"""The browser's answer path under a crowd, through real HTTP: double posts counted once,
nothing acknowledged lost across a restart, late replies moving the next question's clock,
and remembered session tokens still checked for forgery and expiry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from config import Settings
from contest.models import AnswerStatus, Attempt, AttemptQuestion, Standing
from contest.signing import new_session
from storage.db import PoolSettings, create_engine, create_session_factory
from tests.conftest import MovableClock
from tests.web.conftest import WebServer
from tests.web.demo import build_plant

CROWD = 200


def _id(row: Any) -> int:
    assert row.id is not None
    return int(row.id)


def _crowd_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"web_rate_per_address": 1e6, "web_rate_per_worker": 1e6})


@pytest.fixture
async def crowd_server(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    clock: MovableClock,
) -> AsyncIterator[WebServer]:
    server = WebServer(_crowd_settings(settings), session_factory, None, clock)
    await server.start()
    yield server
    await server.stop()


def _headers(settings: Settings, worker_id: int, clock: MovableClock) -> dict[str, str]:
    token, signed = new_session(settings.web_key, worker_id=worker_id, via="app", now=clock())
    return {"Cookie": f"qq_session={token}", "X-CSRF-Token": signed.csrf(settings.web_key)}


def _response(question: dict[str, Any]) -> Any:
    return {"single": 2, "multiple": [0, 1], "true_false": 1}.get(question["qtype"], ["9"])


async def _post(
    client: aiohttp.ClientSession, url: str, headers: dict[str, str], body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    async with client.post(url, json=body, headers=headers) as response:
        return response.status, await response.json()


async def _start_all(
    client: aiohttp.ClientSession, server: WebServer, people: list[dict[str, str]], comp: int
) -> list[dict[str, Any]]:
    started = await asyncio.gather(
        *(_post(client, f"{server.url}/api/start", h, {"competition_id": comp}) for h in people)
    )
    assert all(status == 200 and body["type"] == "question" for status, body in started)
    return [body for _, body in started]


def _answer(question: dict[str, Any]) -> dict[str, Any]:
    return {
        "attempt_id": question["attempt_id"],
        "position": question["position"],
        "response": _response(question),
    }


async def test_a_crowd_posting_every_answer_twice_at_once_is_counted_once(
    crowd_server: WebServer,
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: MovableClock,
) -> None:
    async with session_factory() as session:
        plant = await build_plant(session, clock, workers=CROWD)
    people = [_headers(settings, _id(w), clock) for w in plant.workers]
    url = f"{crowd_server.url}/api/answer"
    async with aiohttp.ClientSession() as client:
        questions = await _start_all(client, crowd_server, people, _id(plant.competition))
        for _ in range(2):  # two questions, each posted twice by everyone at the same moment
            posts = [(h, q) for h, q in zip(people, questions, strict=True)] * 2
            replies = await asyncio.gather(*(_post(client, url, h, _answer(q)) for h, q in posts))
            assert {status for status, _ in replies} == {200}
            outcomes = sorted(body["outcome"] for _, body in replies)
            assert outcomes.count("closed") == CROWD  # the second of each pair counts nothing
            assert outcomes.count("scored") == CROWD
            scored = {
                id(h): body["next"]
                for (h, _), (_, body) in zip(posts, replies, strict=True)
                if body["outcome"] == "scored"
            }
            questions = [scored[id(h)] for h in people]
    async with session_factory() as session:
        answered = await session.scalar(
            select(func.count())
            .select_from(AttemptQuestion)
            .where(col(AttemptQuestion.status) != AnswerStatus.PENDING)
        )
        attempts = (await session.execute(select(Attempt))).scalars().all()
        standings = {
            s.worker_id: s for s in (await session.execute(select(Standing))).scalars().all()
        }
        assert answered == 2 * CROWD
        assert {a.current_position for a in attempts} == {2}
        for attempt in attempts:
            scores = (
                await session.execute(
                    select(AttemptQuestion.score, AttemptQuestion.correct).where(
                        col(AttemptQuestion.attempt_id) == attempt.id
                    )
                )
            ).all()
            assert attempt.correct_count == sum(1 for _, correct in scores if correct)
            assert attempt.score == pytest.approx(sum(score for score, _ in scores))
            assert standings[attempt.worker_id].score == pytest.approx(attempt.score, abs=0.05)


async def test_every_acknowledged_answer_survives_a_restart(
    settings: Settings,
    engine: Any,
    database_url: str,
    session_factory: async_sessionmaker[AsyncSession],
    clock: MovableClock,
) -> None:
    async with session_factory() as session:
        plant = await build_plant(session, clock, workers=50)
    people = [_headers(settings, _id(w), clock) for w in plant.workers]
    server = WebServer(_crowd_settings(settings), session_factory, None, clock)
    await server.start()
    acknowledged: list[tuple[int, int]] = []
    try:
        async with aiohttp.ClientSession() as client:
            questions = await _start_all(client, server, people, _id(plant.competition))
            replies = await asyncio.gather(
                *(
                    _post(client, f"{server.url}/api/answer", h, _answer(q))
                    for h, q in zip(people, questions, strict=True)
                )
            )
            for question, (status, body) in zip(questions, replies, strict=True):
                if status == 200 and body["outcome"] == "scored":
                    acknowledged.append((question["attempt_id"], question["position"]))
    finally:
        await server.stop()
    await engine.dispose()  # the process is gone; a new one opens the file afresh
    fresh = create_engine(database_url, pool=PoolSettings(timeout=5))
    try:
        factory = create_session_factory(fresh)
        restarted = WebServer(_crowd_settings(settings), factory, None, clock)
        await restarted.start()
        try:
            async with aiohttp.ClientSession() as client:
                for headers, (attempt_id, position) in zip(people, acknowledged, strict=True):
                    status, body = await _post(
                        client,
                        f"{restarted.url}/api/current",
                        headers,
                        {"attempt_id": attempt_id},
                    )
                    assert status == 200
                    assert body["position"] == position + 1  # carries on after the answer
        finally:
            await restarted.stop()
        async with factory() as session:
            stored = {
                (a, p)
                for a, p in await session.execute(
                    select(AttemptQuestion.attempt_id, AttemptQuestion.position).where(
                        col(AttemptQuestion.status) != AnswerStatus.PENDING
                    )
                )
            }
    finally:
        await fresh.dispose()
    assert len(acknowledged) == 50
    assert stored == set(acknowledged)


class TickingClock(MovableClock):
    """A clock that moves on by ``step`` every time it is read: every reply is served late."""

    def __init__(self, step: timedelta) -> None:
        super().__init__()
        self.step = step

    def __call__(self) -> Any:
        self.now += self.step
        return self.now


async def test_a_reply_served_late_moves_the_next_questions_clock_to_the_serve_time(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    clock = TickingClock(timedelta(milliseconds=200))
    async with session_factory() as session:
        plant = await build_plant(session, clock, workers=1)
    server = WebServer(_crowd_settings(settings), session_factory, None, clock)
    await server.start()
    try:
        headers = _headers(settings, _id(plant.workers[0]), clock)
        async with aiohttp.ClientSession() as client:
            (question,) = await _start_all(client, server, [headers], _id(plant.competition))
            status, body = await _post(
                client, f"{server.url}/api/answer", headers, _answer(question)
            )
        assert status == 200 and body["served_late"] is True
        assert server.ctx is not None
        await server.ctx.served.flush()
        nxt = body["next"]
        async with session_factory() as session:
            aq = (
                await session.execute(
                    select(AttemptQuestion).where(
                        col(AttemptQuestion.attempt_id) == nxt["attempt_id"],
                        col(AttemptQuestion.position) == nxt["position"],
                    )
                )
            ).scalar_one()
        # Provisionally started at the answer's receipt; moved to when the reply was served,
        # which the ticking clock puts after it, so the worker loses none of the wait.
        assert aq.presented_at is not None and aq.deadline_at is not None
        assert aq.deadline_at - aq.presented_at == timedelta(seconds=30)
        async with session_factory() as session:
            first = (
                await session.execute(
                    select(AttemptQuestion).where(
                        col(AttemptQuestion.attempt_id) == nxt["attempt_id"],
                        col(AttemptQuestion.position) == nxt["position"] - 1,
                    )
                )
            ).scalar_one()
        assert first.answered_at is not None
        assert aq.presented_at > first.answered_at  # not the receipt: the serve time
    finally:
        await server.stop()


async def test_a_remembered_session_is_refused_once_it_expires_and_a_forged_one_never_passes(
    crowd_server: WebServer,
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: MovableClock,
) -> None:
    async with session_factory() as session:
        plant = await build_plant(session, clock, workers=1)
    headers = _headers(settings, _id(plant.workers[0]), clock)
    forged = {**headers, "Cookie": headers["Cookie"][:-3] + "AAA"}
    async with aiohttp.ClientSession() as client:
        for _ in range(2):  # the second time from the remembered token
            async with client.get(f"{crowd_server.url}/api/session", headers=headers) as r:
                assert r.status == 200
        async with client.get(f"{crowd_server.url}/api/session", headers=forged) as r:
            assert r.status == 401
        wrong_csrf = {**headers, "X-CSRF-Token": "x" * 22}
        status, body = await _post(
            client,
            f"{crowd_server.url}/api/start",
            wrong_csrf,
            {"competition_id": plant.competition.id},
        )
        assert (status, body["error"]) == (403, "forbidden")
        clock.advance(hours=13)  # past the session's 12 hours
        async with client.get(f"{crowd_server.url}/api/session", headers=headers) as r:
            assert r.status == 401
