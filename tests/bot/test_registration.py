"""Registration through the real dispatcher: /start, deep-link join, roster match, language."""

from __future__ import annotations

from sqlalchemy import select

from bot.factory import create_bot, create_dispatcher
from bot.fsm_storage import DatabaseStorage
from contest.models import Worker
from tests.bot.conftest import FAST_LIMITS
from tests.bot.fixtures import add_competition, add_teams
from tests.fakes.chat import ChatDriver


async def _worker(session_factory, telegram_id: int = 1001) -> Worker | None:
    async with session_factory() as session:
        return (
            await session.execute(select(Worker).where(Worker.telegram_id == telegram_id))
        ).scalar_one_or_none()


async def test_start_registers_with_name_and_shows_the_menu(
    worker_chat: ChatDriver, session_factory, session
):
    await add_teams(session)
    await worker_chat.send("/start")
    assert "工号" in worker_chat.last_bot_message()["text"]
    await worker_chat.press("跳过")
    await worker_chat.send("张")  # too short: asked again, nothing stored
    assert "2–20" in worker_chat.last_bot_message()["text"]
    assert await _worker(session_factory) is None
    await worker_chat.send("  张三  ")
    assert "检验一班" in " ".join(worker_chat.button_labels())
    await worker_chat.press("检验一班")
    assert "每日一练" in " ".join(worker_chat.button_labels())
    worker = await _worker(session_factory)
    assert worker is not None and worker.real_name == "张三" and worker.team_id is not None


async def test_deep_link_joins_the_team(worker_chat: ChatDriver, session_factory, session):
    one, _ = await add_teams(session)
    await worker_chat.send("/start TEAM01")
    await worker_chat.press("跳过")
    await worker_chat.send("李四")
    texts = [m.get("text", "") for m in worker_chat.messages()]
    assert any("已加入团队：质量部 / 检验一班" in text for text in texts)
    worker = await _worker(session_factory)
    assert worker is not None and worker.team_id == one.id


async def test_switching_team_is_locked_during_an_open_competition(
    worker_chat: ChatDriver, session_factory, session, clock
):
    await add_teams(session)
    await worker_chat.send("/start TEAM01")
    await worker_chat.press("跳过")
    await worker_chat.send("李四")
    await add_competition(session, clock)
    await worker_chat.send("/start TEAM02")
    texts = [m.get("text", "") for m in worker_chat.messages()]
    assert any("不能自行更换团队" in text for text in texts)
    worker = await _worker(session_factory)
    assert worker is not None
    async with session_factory() as s:
        from contest.models import Team

        team = await s.get(Team, worker.team_id)
    assert team is not None and team.join_code == "TEAM01"


async def test_roster_worker_only_confirms(worker_chat: ChatDriver, session_factory, session):
    one, _ = await add_teams(session)
    session.add(Worker(real_name="王五", employee_no="QC-007", team_id=one.id))
    await session.commit()
    await worker_chat.send("/start")
    await worker_chat.send("QC-007")
    assert "王五" in worker_chat.last_bot_message()["text"]
    await worker_chat.press("是我")
    worker = await _worker(session_factory)
    assert worker is not None and worker.real_name == "王五" and worker.team_id == one.id
    assert "每日一练" in " ".join(worker_chat.button_labels())


async def test_language_switch_to_english(worker_chat: ChatDriver, session_factory, session):
    await worker_chat.send("/start")
    await worker_chat.press("跳过")
    await worker_chat.send("张三")
    await worker_chat.send("/language")
    await worker_chat.press("English")
    await worker_chat.send("/help")
    assert "Daily practice" in worker_chat.last_bot_message()["text"]
    worker = await _worker(session_factory)
    assert worker is not None and worker.language == "en"


async def test_unregistered_worker_is_asked_to_register(worker_chat: ChatDriver):
    await worker_chat.send("/quiz")
    assert "/start" in worker_chat.last_bot_message()["text"]


async def test_user_text_is_escaped(worker_chat: ChatDriver, session_factory):
    await worker_chat.send("/start")
    await worker_chat.press("跳过")
    await worker_chat.send("<b>阿</b>")
    texts = [m.get("text", "") for m in worker_chat.messages()]
    assert any("&lt;b&gt;阿&lt;/b&gt;" in text for text in texts)


async def test_registration_dialog_survives_a_restart(
    worker_chat: ChatDriver, session_factory, settings, api, clock
):
    await worker_chat.send("/start")
    await worker_chat.press("跳过")
    # A new process on the same database: the dialog resumes at the name question.
    new_bot = create_bot(settings, session=api, limits=FAST_LIMITS)
    new_dp = create_dispatcher(
        settings, session_factory, storage=DatabaseStorage(session_factory), clock=clock
    )
    await ChatDriver(new_dp, new_bot, api, user_id=1001).send("赵六")
    worker = await _worker(session_factory)
    assert worker is not None and worker.real_name == "赵六"
