"""A DingTalk worker beyond the competition: placed by mobile, practice, 错题本, profile and
language, the review at the close, a blank answer typed too early, a refusal explained."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.identities import WorkerIdentity
from contest.models import Attempt, AttemptKind, AttemptStatus, Worker
from tests.bot.fixtures import add_bank, add_competition, add_teams
from tests.chat.harness import Running, active_attempt, say, tap
from tests.conftest import MovableClock


async def test_a_roster_worker_without_number_is_found_by_mobile(
    dingtalk: Running, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    async with session_factory() as session:
        one, _ = await add_teams(session)
        session.add(Worker(real_name="周八", mobile="13800000002", team_id=one.id, on_roster=True))
        await session.commit()
    dingtalk.fake.add_user("u5", name="周八", mobile="+86 138-0000-0002")
    await say(dingtalk, "u5", "我的")
    [profile] = dingtalk.fake.seen("u5")
    assert "周八" in profile.text and "检验一班" in profile.text
    async with session_factory() as session:
        identity = (await session.execute(select(WorkerIdentity))).scalar_one()
        worker = await session.get(Worker, identity.worker_id)
    assert worker is not None and worker.mobile == "13800000002" and not worker.pending


async def test_practice_then_the_mistake_book_then_english(
    dingtalk: Running, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    async with session_factory() as session:
        await add_bank(session)
    dingtalk.fake.add_user("u6", name="吴九")
    await say(dingtalk, "u6", "练习")
    for _ in range(5):  # every question answered wrong (or late), as the cards come
        card = dingtalk.fake.last("u6")
        if not card.buttons:
            await say(dingtalk, "u6", "不知道")
        elif any(label == "对" or "对" in label for label, _ in card.buttons):
            await tap(dingtalk, "u6", card, "错")
        elif any("提交" in label for label, _ in card.buttons):
            await tap(dingtalk, "u6", card, "C")
            await tap(dingtalk, "u6", dingtalk.fake.last("u6"), "提交")
        elif any(label == "A" for label, _ in card.buttons):
            await tap(dingtalk, "u6", card, "A")
        if any("下一题" in label for label, _ in dingtalk.fake.last("u6").buttons):
            await tap(dingtalk, "u6", dingtalk.fake.last("u6"), "下一题")
    summary = dingtalk.fake.last("u6")
    assert "本组练习完成" in summary.text
    await say(dingtalk, "u6", "错题本")
    assert "错题本共" in dingtalk.fake.last("u6").text
    async with session_factory() as session:
        kinds = list((await session.execute(select(Attempt.kind).order_by(Attempt.id))).scalars())
    assert kinds == [AttemptKind.PRACTICE, AttemptKind.PRACTICE]

    await say(dingtalk, "u6", "我的")
    await tap(dingtalk, "u6", dingtalk.fake.last("u6"), "English")
    assert dingtalk.fake.last("u6").title == "Quality knowledge quiz"
    await say(dingtalk, "u6", "menu")
    assert "Tap a button" in dingtalk.fake.last("u6").text


async def test_a_text_sent_before_the_blank_question_is_not_its_answer(
    dingtalk: Running, session_factory: async_sessionmaker[AsyncSession], clock: MovableClock
) -> None:
    async with session_factory() as session:
        await add_bank(session)
        competition = await add_competition(
            session, clock, composition=[{"type": "blank", "count": 1}]
        )
    dingtalk.fake.add_user("u7", name="郑十")
    await say(dingtalk, "u7", "竞赛")
    offers = dingtalk.fake.last("u7")
    # DingTalk is slow to show the question; the worker types meanwhile
    dingtalk.fake.gate = asyncio.Event()
    await dingtalk.fake.acked(await dingtalk.fake.tap("u7", offers, competition.name[:10]))
    await dingtalk.fake.acked(await dingtalk.fake.say("u7", "9"))
    dingtalk.fake.gate.set()
    await dingtalk.settle()
    again = dingtalk.fake.last("u7")
    assert "没有计为答案" in again.text and "1/1" in again.text
    attempt_id = await active_attempt(session_factory)
    await say(dingtalk, "u7", "9")
    async with session_factory() as session:
        attempt = await session.get(Attempt, attempt_id)
    assert attempt is not None and attempt.status == AttemptStatus.FINISHED
    assert attempt.correct_count == 1


async def test_the_review_waits_for_the_close_and_then_shows_the_answers(
    dingtalk: Running, session_factory: async_sessionmaker[AsyncSession], clock: MovableClock
) -> None:
    async with session_factory() as session:
        await add_bank(session)
        competition = await add_competition(
            session, clock, composition=[{"type": "true_false", "count": 1}]
        )
    dingtalk.fake.add_user("u8", name="钱一")
    await say(dingtalk, "u8", "竞赛")
    await tap(dingtalk, "u8", dingtalk.fake.last("u8"), competition.name[:10])
    await tap(dingtalk, "u8", dingtalk.fake.last("u8"), "错")  # 1978: true, so wrong
    result = dingtalk.fake.last("u8")
    await tap(dingtalk, "u8", result, "查看错题")
    assert "竞赛结束后才能查看" in dingtalk.fake.last("u8").text
    clock.advance(days=8)
    await tap(dingtalk, "u8", result, "查看错题")
    review = dingtalk.fake.last("u8")
    assert "全国质量月始于 1978 年" in review.text and "正确答案：对" in review.text
