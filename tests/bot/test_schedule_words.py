"""Announcement schedules as organisers type them: 每小时 and its family are understood and
read back in words; what is not understood says what was, with examples and buttons."""

from __future__ import annotations

import pytest
from aiogram import Bot, Dispatcher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.models import Competition, CompetitionStatus
from tests.bot.admin_fixtures import add_competition, texts
from tests.bot.conftest import ADMIN_ID
from tests.fakes.chat import ChatDriver
from tests.fakes.telegram import FakeTelegram

PRESETS_ZH = ["每天 18:00", "每周五 17:00", "仅结束时", "关闭"]
WEEKDAYS = "每周一、周二、周三、周四、周五"


async def cron_of(factory: async_sessionmaker[AsyncSession]) -> str | None:
    async with factory() as session:
        (competition,) = (await session.execute(select(Competition))).scalars().all()
        return competition.rules.get("announce", {}).get("cron")


@pytest.fixture
def english_admin(dp: Dispatcher, bot: Bot, api: FakeTelegram) -> ChatDriver:
    return ChatDriver(dp, bot, api, user_id=ADMIN_ID, first_name="Admin", language_code="en")


@pytest.mark.parametrize(
    ("typed", "cron", "words"),
    [
        ("每小时", "0 * * * *", "每小时，整点发"),
        ("每小时公布一次", "0 * * * *", "每小时，整点发"),
        ("每隔２小时", "0 */2 * * *", "每 2 小时，整点发"),
        ("每两小时", "0 */2 * * *", "每 2 小时，整点发"),
        (
            "工作日 8点到18点 每小时30分",
            "30 8-18 * * 1-5",
            f"{WEEKDAYS} 8:00–18:00 每小时，每次在第 30 分发",
        ),
    ],
)
async def test_hourly_phrases_set_an_hourly_schedule(
    admin_chat: ChatDriver,
    session_factory: async_sessionmaker[AsyncSession],
    typed: str,
    cron: str,
    words: str,
) -> None:
    competition = await add_competition(session_factory, status=CompetitionStatus.OPEN)
    await admin_chat.send(f"/set_schedule {competition.id}")
    done = texts(await admin_chat.send(typed))
    assert "公告时间已更新" in done and f"公告：{words}，结束时发最终成绩" in done
    assert await cron_of(session_factory) == cron


async def test_hourly_in_english(
    english_admin: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    competition = await add_competition(session_factory, status=CompetitionStatus.OPEN)
    done = texts(await english_admin.send(f"/set_schedule {competition.id} every 2 hours"))
    assert "every 2 hours, on the hour, final results at the end" in done
    assert await cron_of(session_factory) == "0 */2 * * *"
    done = texts(await english_admin.send(f"/set_schedule {competition.id} hourly"))
    assert "every hour, on the hour" in done


async def test_not_understood_says_what_was_and_offers_the_presets(
    admin_chat: ChatDriver,
    english_admin: ChatDriver,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    competition = await add_competition(session_factory, status=CompetitionStatus.OPEN)
    await admin_chat.send(f"/set_schedule {competition.id}")
    friday = texts(await admin_chat.send("每周五"))
    assert "没看懂「每周五」" in friday
    assert "看懂了：每周五，但还缺一个时间，例如 每周五 17:00" in friday
    assert "每小时、每两小时" in friday
    assert admin_chat.button_labels() == PRESETS_ZH
    often = texts(await admin_chat.send("每30分钟"))
    assert "最密每小时发一次" in often and "每分钟最多 20 条" in often
    assert admin_chat.button_labels() == PRESETS_ZH
    assert await cron_of(session_factory) is None  # nothing changed
    await admin_chat.press("每天 18:00")  # the buttons are the next step
    assert await cron_of(session_factory) == "0 18 * * *"
    english = texts(await english_admin.send(f"/set_schedule {competition.id} fridays"))
    assert "Understood: on Friday, but a time is missing, e.g. on Friday 17:00" in english
    assert "hourly, every 2 hours" in english
