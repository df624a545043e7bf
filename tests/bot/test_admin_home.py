"""An organiser's phone is enough: their own /start and /help, the menu's buttons, and typed
menu words for everyone."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.models import CompetitionStatus, Worker
from tests.bot.admin_fixtures import add_competition, add_worker, texts
from tests.fakes.chat import ChatDriver

Factory = async_sessionmaker[AsyncSession]


async def workers(factory: Factory) -> int:
    async with factory() as session:
        return int(await session.scalar(select(func.count()).select_from(Worker)) or 0)


async def test_an_organiser_gets_their_own_menu_and_is_not_registered(
    admin_chat: ChatDriver, session_factory: Factory
) -> None:
    sent = await admin_chat.send("/start")
    assert "组织者" in sent[-1].text and "工号" not in sent[-1].text
    assert "📋 竞赛列表" in admin_chat.button_labels()
    assert await workers(session_factory) == 0  # not a participant
    helped = texts(await admin_chat.send("/help"))
    assert "/new_competition" in helped and "/set_schedule" in helped and "/quiz" in helped
    for command in ("/screen", "/web_links", "/web_login", "/bind_webhook", "/pending"):
        assert command in helped
    assert "/live_new" in helped and "/live_links" in helped and "现场决赛" in helped


async def test_the_organiser_menu_buttons_do_what_the_commands_do(
    admin_chat: ChatDriver, session_factory: Factory
) -> None:
    competition = await add_competition(session_factory, status=CompetitionStatus.OPEN)
    await admin_chat.send("/start")
    menu = admin_chat.last_keyboard_message()
    assert f"#{competition.id}" in texts(await admin_chat.press("竞赛列表", menu))
    assert "参与情况" in texts(await admin_chat.press("参与情况", menu))
    exported = await admin_chat.press("导出成绩", menu)
    assert any(r.method == "sendDocument" for r in exported)
    assert "竞赛名称" in texts(await admin_chat.press("新建竞赛", menu))
    await admin_chat.send("/cancel")
    await admin_chat.press("公告时间", menu)
    assert f"#{competition.id} 质量月知识竞赛" in admin_chat.button_labels()
    assert ".xlsx" in texts(await admin_chat.press("上传题库", menu))


async def test_a_granted_organiser_gets_the_organiser_menu(
    admin_chat: ChatDriver, worker_chat: ChatDriver
) -> None:
    await admin_chat.send("/grant 1001")
    commands = worker_chat.api.sent("setMyCommands")
    assert commands[-1].params["scope"] == {"type": "chat", "chat_id": 1001}
    assert "组织者" in texts(await worker_chat.send("/start"))


async def test_typed_menu_words_do_what_their_buttons_do(
    worker_chat: ChatDriver, session_factory: Factory
) -> None:
    assert "请先发送 /start" in texts(await worker_chat.send("排行榜"))
    await add_worker(session_factory, telegram_id=1001, name="张三")
    assert "暂无竞赛排行榜" in texts(await worker_chat.send("排行榜"))
    assert "我的成绩" in texts(await worker_chat.send("我的成绩"))
    assert "使用帮助" in texts(await worker_chat.send("帮助"))
    assert "没有需要打字回答的题目" in texts(await worker_chat.send("随便说点什么"))
    assert "暂无竞赛排行榜" in texts(await worker_chat.send("📊 排行榜"))
    assert "暂无竞赛排行榜" in texts(await worker_chat.send("Leaderboard"))
    assert "我的成绩" in texts(await worker_chat.send("my results"))
