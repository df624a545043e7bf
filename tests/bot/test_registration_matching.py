"""One person, one record, in the registration dialog: by name within the join link's team."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.factory import create_bot, create_dispatcher
from bot.fsm_storage import DatabaseStorage
from contest.models import Team, Worker
from tests.bot.conftest import FAST_LIMITS
from tests.fakes.chat import ChatDriver


async def _roster(session) -> tuple[Team, Team]:
    """一车间/甲班 and 二车间/甲班 (the same 班组 name twice), each with a 张伟 on the roster;
    一车间/甲班 has two of them."""
    one = Team(name="一车间", kind="车间", join_code="WS1")
    two = Team(name="二车间", kind="车间", join_code="WS2")
    session.add_all([one, two])
    await session.flush()
    a = Team(name="甲班", kind="班组", parent_id=one.id, join_code="A1")
    b = Team(name="甲班", kind="班组", parent_id=two.id, join_code="B1")
    session.add_all([a, b])
    await session.flush()
    session.add_all(
        [
            Worker(real_name="张伟", employee_no="E101", team_id=a.id, on_roster=True),
            Worker(real_name="张伟", employee_no="E102", team_id=a.id, on_roster=True),
            Worker(real_name="李娜", employee_no="E201", team_id=b.id, on_roster=True),
        ]
    )
    await session.commit()
    return a, b


async def _count(session_factory) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(Worker)) or 0)


async def _me(session_factory, telegram_id: int = 1001) -> Worker:
    async with session_factory() as session:
        return (
            await session.execute(select(Worker).where(Worker.telegram_id == telegram_id))
        ).scalar_one()


async def test_a_roster_worker_who_skips_the_number_is_found_by_name(
    worker_chat: ChatDriver, session_factory, session
) -> None:
    _, b = await _roster(session)
    await worker_chat.send("/start B1")
    await worker_chat.press("跳过")
    await worker_chat.send("李娜")
    assert "二车间 / 甲班" in worker_chat.last_bot_message()["text"]
    assert "尾号 201" in worker_chat.last_bot_message()["text"]
    await worker_chat.press("是我")
    me = await _me(session_factory)
    assert (me.employee_no, me.team_id, me.pending, me.on_roster) == ("E201", b.id, False, True)
    assert await _count(session_factory) == 3  # no second record


async def test_two_with_the_same_name_are_asked_apart(
    worker_chat: ChatDriver, session_factory, session
) -> None:
    await _roster(session)
    await worker_chat.send("/start WS1")  # the 车间's link: its 甲班 is below it
    await worker_chat.press("跳过")
    await worker_chat.send("张伟")
    labels = worker_chat.button_labels()
    assert any("尾号 101" in label for label in labels)
    assert any("尾号 102" in label for label in labels)
    await worker_chat.press("一车间 / 甲班 · 工号尾号 102")
    me = await _me(session_factory)
    assert me.employee_no == "E102" and not me.pending
    assert await _count(session_factory) == 3


async def test_someone_not_on_the_roster_waits_for_the_organiser(
    worker_chat: ChatDriver, session_factory, session
) -> None:
    a, _ = await _roster(session)
    await worker_chat.send("/start A1")
    await worker_chat.press("跳过")
    await worker_chat.send("赵六")
    assert any("组织者确认" in m.get("text", "") for m in worker_chat.messages())
    me = await _me(session_factory)
    assert me.pending and me.team_id == a.id and me.real_name == "赵六"


async def test_not_me_among_same_names_registers_as_typed_and_pending(
    worker_chat: ChatDriver, session_factory, session
) -> None:
    await _roster(session)
    await worker_chat.send("/start A1")
    await worker_chat.press("跳过")
    await worker_chat.send("张伟")
    await worker_chat.press("不是我")
    me = await _me(session_factory)
    assert me.pending and me.employee_no is None and me.real_name == "张伟"
    assert await _count(session_factory) == 4


async def test_invisible_names_are_refused(
    worker_chat: ChatDriver, session_factory, session
) -> None:
    await worker_chat.send("/start")
    await worker_chat.press("跳过")
    await worker_chat.send("\u200b\u200b")
    assert "可见" in worker_chat.last_bot_message()["text"]
    assert await _count(session_factory) == 0
    await worker_chat.send("\u202e王五\u202d")
    assert (await _me(session_factory)).real_name == "王五"


async def test_double_tap_on_its_me_makes_one_record(
    settings, api, session_factory, session, clock
) -> None:
    await _roster(session)
    dp = create_dispatcher(
        settings, session_factory, storage=DatabaseStorage(session_factory), clock=clock
    )
    bot = create_bot(settings, session=api, limits=FAST_LIMITS)
    chat = ChatDriver(dp, bot, api, user_id=1001, first_name="李娜")
    await chat.send("/start B1")
    await chat.press("跳过")
    await chat.send("李娜")
    message = chat.last_keyboard_message()
    data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await chat.callback(data, message)
    await chat.callback(data, message)
    await bot.session.close()
    assert await _count(session_factory) == 3
    assert (await _me(session_factory)).employee_no == "E201"


async def test_the_organiser_merges_a_pending_duplicate_from_pending(
    worker_chat: ChatDriver, admin_chat: ChatDriver, session_factory, session
) -> None:
    await _roster(session)
    await worker_chat.send("/start")  # no join link: two 张伟 cannot be told apart by name
    await worker_chat.press("跳过")
    await worker_chat.send("张伟")
    duplicate = await _me(session_factory)
    assert duplicate.pending
    listed = await admin_chat.send("/pending")
    assert "待确认职工" in listed[0].text and "张伟" in listed[1].text
    await admin_chat.press("合并到花名册：一车间·甲班 · 工号尾号 102")
    assert "已合并" in admin_chat.last_bot_message()["text"]
    me = await _me(session_factory)
    assert (me.employee_no, me.pending, me.on_roster) == ("E102", False, True)
    assert await _count(session_factory) == 3
    assert "没有待确认" in (await admin_chat.send("/pending"))[-1].text


async def test_a_unique_name_is_found_without_a_team_link(
    worker_chat: ChatDriver, session_factory, session
) -> None:
    _, b = await _roster(session)
    await worker_chat.send("/start")  # through the group's 去答题 button: no team link
    await worker_chat.press("跳过")
    await worker_chat.send("李 娜")
    assert "二车间 / 甲班" in worker_chat.last_bot_message()["text"]
    await worker_chat.press("是我")
    me = await _me(session_factory)
    assert (me.employee_no, me.team_id, me.pending) == ("E201", b.id, False)


async def test_an_unknown_number_is_asked_again_and_never_kept(
    worker_chat: ChatDriver, session_factory, session
) -> None:
    await _roster(session)
    await worker_chat.send("/start")
    await worker_chat.send("e103")
    assert "你要输入的是不是 E101、E102" in worker_chat.last_bot_message()["text"]
    await worker_chat.send("ｅ２０１")  # full-width, lower case: still 李娜's
    assert "E201" in worker_chat.last_bot_message()["text"]
    await worker_chat.press("是我")
    assert (await _me(session_factory)).employee_no == "E201"


async def test_pending_is_for_organisers_only(worker_chat: ChatDriver, session) -> None:
    await _roster(session)
    await worker_chat.send("/start")
    await worker_chat.press("跳过")
    await worker_chat.send("赵六")
    assert "待确认职工" not in (await worker_chat.send("/pending"))[-1].text


def test_the_paper_check_reads_in_the_organisers_language() -> None:
    from contest.definition_words import issue_text
    from contest.errors import DefinitionIssue

    issue = DefinitionIssue(
        "rules.composition.4", "bank_short", "2 questions (blank) wanted on every paper",
        {"wanted": 2, "available": 1, "type": "blank"},
    )  # fmt: skip
    said = "每份试卷需要 2 道填空题，但所选题目只能保证 1 道：请减少题数、换题目来源，或补充题目"
    assert issue_text(issue, "zh") == f"组卷第 5 行：{said}"
    assert issue_text(issue, "en").startswith("Line 5 of the paper: every paper needs 2 of type")
