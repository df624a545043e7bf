"""The messenger tests' harness: the real runners (DingTalk's Stream client or Feishu's long
connection, the inbox, turn, core, cards) against the fakes, and what a person does there
(say, tap) — the same on both platforms."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chat.platforms import DingTalkRunner, FeishuRunner
from config import load_settings
from contest.models import Attempt, AttemptStatus
from quizbank.models import QuestionType
from tests.bot.fixtures import right_answer
from tests.conftest import MovableClock
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.feishu import FakeFeishu

ADMINS = "dingtalk:boss,feishu:boss"  # the organiser account on each platform


@dataclass
class Running:
    fake: Any  # FakeDingTalk or FakeFeishu: say, tap, last, seen, acked
    runner: DingTalkRunner | FeishuRunner
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def settle(self) -> None:
        await self.runner.intake.idle()


def app_settings(fake: FakeDingTalk | FakeFeishu, base: str) -> dict[str, str]:
    """The settings that point our app for ``fake``'s platform at the fake, served at ``base``."""
    if isinstance(fake, FakeDingTalk):
        return {
            "dingtalk_client_id": fake.client_id,
            "dingtalk_client_secret": fake.client_secret,
            "dingtalk_card_template": fake.card_template,
            "dingtalk_api_base": base,
            "dingtalk_oapi_base": base,
        }
    return {
        "feishu_app_id": fake.app_id,
        "feishu_app_secret": fake.app_secret,
        "feishu_api_base": base,
    }


async def start_dingtalk(
    fake: FakeDingTalk,
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
    clock: MovableClock,
) -> Running:
    settings = app_settings(fake, await _serving(fake))
    return await _start(DingTalkRunner, fake, settings, session_factory, database_url, clock)


async def start_feishu(
    fake: FakeFeishu,
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
    clock: MovableClock,
) -> Running:
    settings = app_settings(fake, await _serving(fake))
    return await _start(FeishuRunner, fake, settings, session_factory, database_url, clock)


async def _serving(fake: FakeDingTalk | FakeFeishu) -> str:
    """The fake's address, started unless it runs already (a restart of our side)."""
    if fake.server is None:
        return await fake.start()
    return str(fake.server.make_url("")).rstrip("/")


async def _start(
    runner_class: type[DingTalkRunner] | type[FeishuRunner],
    fake: FakeDingTalk | FakeFeishu,
    platform: dict[str, str],
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
    clock: MovableClock,
) -> Running:
    settings = load_settings(
        _env_file=None, database_url=database_url, messenger_admins=ADMINS, **platform
    )
    runner = runner_class(settings, session_factory, clock=clock)
    runner.api.pause = 0.05
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    await asyncio.wait_for(fake.connected.wait(), 30)
    return Running(fake, runner, stop, task)


async def stop_running(running: Running) -> None:
    running.stop.set()
    await asyncio.wait_for(running.task, 30)


async def say(dt: Running, user: str, text: str) -> None:
    await dt.fake.acked(await dt.fake.say(user, text))
    await dt.settle()


async def tap(dt: Running, user: str, card: Any, label: str) -> None:
    await dt.fake.acked(await dt.fake.tap(user, card, label))
    await dt.settle()


async def play_right(
    dt: Running, session_factory: async_sessionmaker[AsyncSession], user: str, questions: int
) -> None:
    """Answer every question of the open attempt right, as the worker sees them."""
    for position in range(questions):
        attempt = await active_attempt(session_factory)
        qtype, right = await right_answer(session_factory, attempt_id=attempt, position=position)
        card = dt.fake.last(user)
        assert f"{position + 1}/{questions}" in card.text
        if qtype is QuestionType.BLANK:
            assert card.buttons == []
            await say(dt, user, str(right))
        elif qtype is QuestionType.TRUE_FALSE:
            await tap(dt, user, card, "对" if right else "错")
        elif qtype is QuestionType.SINGLE:
            await tap(dt, user, card, "ABCD"[right[0]])
        else:
            for option in right:
                await tap(dt, user, dt.fake.last(user), "ABCD"[option])
            assert dt.fake.last(user).text.count("✅") == len(right)
            await tap(dt, user, dt.fake.last(user), "提交")


async def active_attempt(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as session:
        found = await session.scalar(
            select(Attempt.id).where(Attempt.status == AttemptStatus.ACTIVE).order_by(Attempt.id)
        )
        assert found is not None
        return int(found)
