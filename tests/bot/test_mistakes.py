"""错题本: what was answered wrong comes back in /mistakes until it is answered right."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contest.mistakes import mistake_questions
from contest.models import Attempt, AttemptKind, CompetitionStatus, Worker
from storage.ids import id_of
from tests.bot.fixtures import add_bank, add_competition, add_teams, add_worker
from tests.bot.test_quiz import answer_current, start_quiz
from tests.fakes.chat import ChatDriver


@pytest.fixture
async def registered(session, clock) -> Worker:
    await add_bank(session)
    one, _ = await add_teams(session)
    return await add_worker(session, clock, team_id=one.id)


async def _book(session_factory, worker: Worker) -> list[int]:
    async with session_factory() as session:
        return await mistake_questions(session, worker_id=id_of(worker))


async def test_wrong_practice_answers_come_back_until_answered_right(
    registered, worker_chat: ChatDriver, session_factory
) -> None:
    assert "错题本是空的" in (await worker_chat.send("/mistakes"))[-1].text
    await worker_chat.send("/practice")
    for i in range(5):
        await answer_current(worker_chat, session_factory, right=i >= 2)  # two wrong
        if i < 4:
            await worker_chat.press("下一题")
    wrong = await _book(session_factory, registered)
    assert len(wrong) == 2
    sent = await worker_chat.send("/mistakes")
    assert "错题本共 2 题，本轮重练 2 题" in sent[-1].text
    await answer_current(worker_chat, session_factory)  # right this time
    await worker_chat.press("下一题")
    await answer_current(worker_chat, session_factory, right=False)  # still wrong
    assert len(await _book(session_factory, registered)) == 1


async def test_a_live_competition_stays_out_of_the_book_until_it_closes(
    registered, worker_chat: ChatDriver, session_factory, session, clock
) -> None:
    competition = await add_competition(session, clock)
    await start_quiz(worker_chat)
    for _ in range(5):
        await answer_current(worker_chat, session_factory, right=False)
    assert await _book(session_factory, registered) == []  # no rehearsing a live paper
    competition.status = CompetitionStatus.CLOSED
    await session.commit()
    assert len(await _book(session_factory, registered)) == 5
    async with session_factory() as s:
        kinds = (await s.execute(select(Attempt.kind))).scalars().all()
    assert kinds == [AttemptKind.COMPETITION]


async def test_my_results_show_the_place_once_the_competition_closes(
    registered, worker_chat: ChatDriver, session_factory, session, clock
) -> None:
    competition = await add_competition(session, clock)
    await start_quiz(worker_chat)
    for _ in range(5):
        await answer_current(worker_chat, session_factory)
    mine = (await worker_chat.send("/results"))[-1].text
    assert "当前名次：第 1 名（共 1 人）" in mine
    competition.status = CompetitionStatus.CLOSED
    await session.commit()
    mine = (await worker_chat.send("/results"))[-1].text
    assert "最终名次：第 1 名（共 1 人）" in mine and "10 分" in mine
