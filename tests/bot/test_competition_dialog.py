"""/new_competition on a phone: every setting that matters asked with buttons, 现在 and
presets understood, a preview of everything, then 保存."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.models import Competition, Team
from quizbank.models import Question, QuestionSet
from tests.bot.admin_fixtures import T0, audit_entries, texts
from tests.fakes.chat import ChatDriver


async def competitions(factory: async_sessionmaker[AsyncSession]) -> list[Competition]:
    async with factory() as session:
        return list((await session.execute(select(Competition).order_by(Competition.id))).scalars())


async def add_bank_and_levels(factory: async_sessionmaker[AsyncSession]) -> None:
    async with factory() as session:
        qset = QuestionSet(name="安全生产题库")
        session.add(qset)
        await session.flush()
        # Enough for the paper the dialog asks for: a bank that cannot fill it is refused.
        for i in range(10):
            session.add(Question(set_id=qset.id, key=f"k{i}", content_hash=f"h{i}", position=i,
                                 type="single", stem=f"?{i}", options=["a", "b"], answer=[0],
                                 category="5S"))  # fmt: skip
        for i in range(5):
            session.add(Question(set_id=qset.id, key=f"t{i}", content_hash=f"t{i}",
                                 position=10 + i, type="true_false", stem=f"对吗{i}",
                                 answer=[True], category="5S"))  # fmt: skip
        dept = Team(name="质量部", kind="部门", join_code="D1")
        session.add(dept)
        await session.flush()
        session.add(Team(name="一班", kind="班组", parent_id=dept.id, join_code="G1"))
        await session.commit()


async def test_an_organiser_creates_a_competition_entirely_by_dialog_with_presets(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await add_bank_and_levels(session_factory)
    assert "竞赛名称" in texts(await admin_chat.send("/new_competition"))
    asked = await admin_chat.send("班组质量知识赛 <b>")
    assert "现在" in asked[-1].text and admin_chat.button_labels() == ["现在开始", "◀ 上一步"]
    assert "没看懂" in texts(await admin_chat.send("下周吧"))
    await admin_chat.press("现在开始")
    await admin_chat.press("7 天后结束")
    assert "题库：安全生产题库" in admin_chat.button_labels()
    assert "分类：5S" in admin_chat.button_labels()
    paper = texts(await admin_chat.press("题库：安全生产题库"))
    assert "所选题目：单选题 10 · 判断题 5" in paper
    await admin_chat.press("单选题 10 道 + 判断题 5 道")
    limits = texts(await admin_chat.press("30 秒"))
    assert "15 题 × 每题 30 秒：全卷最长 7 分钟 30 秒" in limits
    # Only limits that can apply: 20 分钟 never would, so it is not offered.
    assert admin_chat.button_labels() == ["不限时", "3 分钟", "5 分钟", "◀ 上一步"]
    await admin_chat.press("5 分钟")
    await admin_chat.press("2 次")
    await admin_chat.press("平均分（按在册人数，推荐）")
    assert admin_chat.button_labels() == ["最小团队（班组）", "部门", "班组", "◀ 上一步"]
    await admin_chat.press("部门")
    preview = (await admin_chat.press("每天 18:00"))[-1].text
    for expected in (
        "班组质量知识赛 &lt;b&gt;",
        "2026-09-01 09:00 – 2026-09-08 09:00",
        "题目来源：安全生产题库",
        "共 15 题",
        "每题限时 30 秒，整卷限时 5 分钟，可答 2 次",
        "平均分（按在册人数，推荐）（按部门排名）",
        "排行榜公告：每天 18:00，结束时发最终成绩",
    ):
        assert expected in preview, expected
    assert await competitions(session_factory) == []
    assert "竞赛已创建" in texts(await admin_chat.press("保存"))
    (created,) = await competitions(session_factory)
    assert created.name == "班组质量知识赛 <b>"
    assert (created.starts_at, created.ends_at) == (T0, T0 + timedelta(days=7))
    rules = created.rules
    assert rules["source"] == {"sets": ["安全生产题库"], "categories": []}
    paper = [(i["type"], i["count"]) for i in rules["composition"]]
    assert paper == [("single", 10), ("true_false", 5)]
    assert (rules["question_time_limit_s"], rules["total_time_limit_s"]) == (30, 300)
    assert rules["attempts_allowed"] == 2
    assert (rules["team"]["mode"], rules["team"]["level"]) == ("avg_registered", "部门")
    assert (rules["announce"]["cron"], rules["announce"]["final_results"]) == ("0 18 * * *", True)
    (entry,) = await audit_entries(session_factory)
    assert (entry.action, entry.outcome) == ("competition.create", "ok")


async def test_typed_answers_work_at_every_step(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await admin_chat.send("/new_competition")
    await admin_chat.send("车间赛")
    await admin_chat.send("11-29 09:00")
    assert "不晚于开始" in texts(await admin_chat.send("11-28 09:00"))
    await admin_chat.send("2026-11-30 18:00")
    await admin_chat.send("全部")
    await admin_chat.send("10 单选 5 多选 判断3")
    assert "5 秒到 1 小时" in texts(await admin_chat.send("2秒"))
    await admin_chat.send("1分钟")
    await admin_chat.send("不限")
    await admin_chat.send("3次")
    await admin_chat.press("前 5 名平均分")
    preview = (await admin_chat.send("每周五下午5点"))[-1].text
    assert "共 18 题" in preview and "排行榜公告：每周五 17:00" in preview
    assert "每题限时 60 秒，全卷最长 18 分钟（18 题 × 每题 60 秒）" in preview
    await admin_chat.press("保存")
    (created,) = await competitions(session_factory)
    assert created.starts_at == datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    assert created.rules["team"] == {**created.rules["team"], "mode": "top_n_avg", "top_n": 5,
                                     "level": "leaf"}  # fmt: skip
    assert created.rules["question_time_limit_s"] == 60
    assert created.rules.get("total_time_limit_s") is None
    assert created.rules["announce"]["cron"] == "0 17 * * 5"


async def test_a_stale_step_button_does_nothing(admin_chat: ChatDriver) -> None:
    await admin_chat.send("/new_competition")
    await admin_chat.send("某竞赛")
    stale = copy.deepcopy(admin_chat.last_keyboard_message())
    await admin_chat.press("现在开始")
    again = await admin_chat.press("现在开始", stale)
    assert "已过期" in again[-1].params["text"]
