"""/me through the real dispatcher: the worker's profile, and correcting a typo in the name
until a competition they entered has closed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.commands import command_list
from contest.models import Attempt, AttemptKind, AttemptStatus, Worker
from tests.bot.fixtures import add_bank, add_competition, add_teams, add_worker
from tests.fakes.chat import ChatDriver


async def worker_row(session_factory) -> Worker:
    async with session_factory() as session:
        return (await session.execute(select(Worker))).scalar_one()


@pytest.fixture
async def registered(session, clock):
    one, _ = await add_teams(session)
    worker = await add_worker(session, clock, name="张三丰", team_id=one.id)
    worker.employee_no = "A1001"
    session.add(worker)
    await session.commit()
    return worker


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        ("zh", ["姓名：张三丰", "工号：A1001", "团队：质量部 / 检验一班", "语言：中文"]),
        (
            "en",
            ["Name: 张三丰", "Employee no.: A1001", "Team: 质量部 / 检验一班", "Language: English"],
        ),
    ],
)
async def test_me_shows_name_number_team_and_language(
    registered, session_factory, worker_chat: ChatDriver, lang, lines
):
    async with session_factory() as session:
        worker = (await session.execute(select(Worker))).scalar_one()
        worker.language = lang
        await session.commit()
    await worker_chat.send("/me")
    shown = worker_chat.last_bot_message()["text"]
    for line in lines:
        assert line in shown.split("\n"), line
    assert len(worker_chat.button_labels()) == 1


async def test_a_typo_in_the_name_is_corrected(
    registered, session_factory, worker_chat: ChatDriver
):
    await worker_chat.send("/me")
    await worker_chat.press("更正姓名")
    assert "请输入正确的姓名" in worker_chat.last_bot_message()["text"]
    await worker_chat.send("张")  # too short: asked again, still waiting
    assert "2–20" in worker_chat.last_bot_message()["text"]
    await worker_chat.send("张三峰")
    assert "✅ 姓名已更正为：张三峰" in worker_chat.last_bot_message()["text"]
    assert (await worker_row(session_factory)).real_name == "张三峰"
    await worker_chat.send("随便说说")  # no longer waiting for a name
    assert (await worker_row(session_factory)).real_name == "张三峰"


async def test_a_command_leaves_the_name_wait(registered, session_factory, worker_chat: ChatDriver):
    await worker_chat.send("/me")
    await worker_chat.press("更正姓名")
    await worker_chat.send("/quiz")
    assert "没有进行中的竞赛" in worker_chat.last_bot_message()["text"]
    await worker_chat.send("李四")
    assert (await worker_row(session_factory)).real_name == "张三丰"
    await worker_chat.press("更正姓名", worker_chat.messages()[-4])  # the /me message again
    await worker_chat.send("/cancel")
    assert "姓名没有修改" in worker_chat.last_bot_message()["text"]


@pytest.mark.parametrize(
    ("lang", "final"), [("zh", "姓名不能再修改"), ("en", "can no longer change")]
)
async def test_the_name_is_final_once_an_entered_competition_has_closed(
    registered, session, clock, session_factory, worker_chat: ChatDriver, lang, final
):
    await add_bank(session)
    competition = await add_competition(session, clock, name="春季赛")
    session.add(
        Attempt(
            worker_id=registered.id,
            competition_id=competition.id,
            kind=AttemptKind.COMPETITION,
            status=AttemptStatus.FINISHED,
        )
    )
    await session.commit()
    async with session_factory() as s:
        worker = (await s.execute(select(Worker))).scalar_one()
        worker.language = lang
        await s.commit()
    await worker_chat.send("/me")
    profile = worker_chat.last_bot_message()
    assert worker_chat.button_labels(profile)  # still open: the name may change
    await worker_chat.press("✏️", profile)  # the button, tapped after the close
    clock.advance(days=8)  # the competition has ended
    await worker_chat.send("张三峰")
    assert final in worker_chat.last_bot_message()["text"]
    assert (await worker_row(session_factory)).real_name == "张三丰"
    await worker_chat.send("/me")
    assert final in worker_chat.last_bot_message()["text"]
    assert "reply_markup" not in worker_chat.last_bot_message()


def test_me_is_in_the_command_menu_in_both_languages():
    for lang in ("zh", "en"):
        assert "me" in {c.command for c in command_list(lang)}
