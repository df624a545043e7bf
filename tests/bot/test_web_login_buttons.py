"""/web_login typed alone offers buttons, like the other organiser commands: the organiser's
competitions, then 开放 / 关闭; only the last tap changes anything."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings, load_settings
from contest.models import CompetitionStatus
from contest.web_access import roster_login_enabled
from tests.bot.admin_fixtures import add_competition, add_worker, texts
from tests.bot.conftest import ADMIN_ID
from tests.fakes.chat import ChatDriver

Factory = async_sessionmaker[AsyncSession]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(
        _env_file=None,
        bot_token="42:TEST-TOKEN",
        database_url=database_url,
        admin_ids=frozenset({ADMIN_ID}),
        run_scheduler=False,
        web_public_url="https://quiz.example",
    )


async def enabled(factory: Factory, competition_id: int) -> bool:
    async with factory() as session:
        return await roster_login_enabled(session, competition_id=competition_id)


async def test_web_login_alone_offers_competitions_then_open_or_close(
    admin_chat: ChatDriver, session_factory: Factory
) -> None:
    first = await add_competition(session_factory, status=CompetitionStatus.OPEN)
    second = await add_competition(session_factory, status=CompetitionStatus.OPEN, name="安全月")
    reply = texts(await admin_chat.send("/web_login"))
    assert "用法" not in reply and "哪个竞赛" in reply
    assert f"#{second.id} 安全月" in admin_chat.button_labels()
    assert not await enabled(session_factory, first.id)
    await admin_chat.press(f"#{first.id} 质量月知识竞赛")
    assert "开放网页登录" in " ".join(admin_chat.button_labels())
    assert not await enabled(session_factory, first.id)  # choosing changes nothing yet
    done = texts(await admin_chat.press("✅ 开放网页登录"))
    assert f"/join/{first.id}" in done
    assert await enabled(session_factory, first.id)
    assert not await enabled(session_factory, second.id)


async def test_web_login_with_a_number_and_no_switch_offers_the_switch(
    admin_chat: ChatDriver, session_factory: Factory
) -> None:
    competition = await add_competition(session_factory, status=CompetitionStatus.OPEN)
    await admin_chat.send(f"/web_login {competition.id} on")
    assert await enabled(session_factory, competition.id)
    assert f"#{competition.id}" in texts(await admin_chat.send(f"/web_login {competition.id}"))
    assert "已关闭" in texts(await admin_chat.press("关闭网页登录"))
    assert not await enabled(session_factory, competition.id)


async def test_the_links_sheet_has_a_human_name_and_says_when_links_expire(
    admin_chat: ChatDriver, session_factory: Factory
) -> None:
    competition = await add_competition(session_factory, status=CompetitionStatus.OPEN)
    await add_worker(session_factory, telegram_id=5001, team="一班")
    sent = await admin_chat.send(f"/web_links {competition.id}")
    assert sent[-1].method == "sendDocument"
    assert list(sent[-1].names.values()) == ["质量月知识竞赛-个人链接.xlsx"]
    assert "竞赛结束 3 天后链接失效" in sent[-1].text
