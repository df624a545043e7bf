"""/new_competition offers only what the bank can fill and limits that can apply, checks each
step as it is answered, keeps every answer through a refusal (with a button to the step to
change), has ◀ 上一步 on every step, and offers the next steps once created (#23)."""

from __future__ import annotations

import pytest
from aiogram import Bot, Dispatcher
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from contest.models import Competition, CompetitionStatus
from quizbank.models import Question, QuestionSet
from tests.bot.admin_fixtures import add_competition, texts, upload
from tests.bot.conftest import ADMIN_ID
from tests.fakes.chat import ChatDriver
from tests.fakes.telegram import FakeTelegram

NEXT_STEPS = ["▶️ 现在开启", "🕘 修改时间", "⏰ 公告时间", "📢 群发通知"]
NEXT_STEPS += ["🔗 职工链接表", "👥 团队与加入链接"]


@pytest.fixture
def english_admin(dp: Dispatcher, bot: Bot, api: FakeTelegram) -> ChatDriver:
    return ChatDriver(dp, bot, api, user_id=ADMIN_ID, first_name="Admin", language_code="en")


async def add_bank(factory: async_sessionmaker[AsyncSession], singles: int, judge: int) -> None:
    """The issue's bank: 9 单选 and 12 判断 in 安全生产题库."""
    async with factory() as session:
        qset = QuestionSet(name="安全生产题库")
        session.add(qset)
        await session.flush()
        for i in range(singles):
            single = {"type": "single", "options": ["a", "b"], "answer": [0], "position": i}
            session.add(
                Question(
                    set_id=qset.id, key=f"s{i}", content_hash=f"s{i}", stem=f"单选{i}", **single
                )
            )
        for i in range(judge):
            judged = {"type": "true_false", "answer": [True], "position": 100 + i}
            session.add(
                Question(
                    set_id=qset.id, key=f"t{i}", content_hash=f"t{i}", stem=f"判断{i}", **judged
                )
            )
        await session.commit()


async def retire_singles(factory: async_sessionmaker[AsyncSession], keep: int) -> None:
    """The bank changes between the preview and 保存 (as a new upload of the set would)."""
    async with factory() as session:
        singles = select(col(Question.id)).where(col(Question.type) == "single")
        retired = sorted((await session.execute(singles)).scalars())[keep:]
        await session.execute(
            update(Question).where(col(Question.id).in_(retired)).values(active=False)
        )
        await session.execute(update(QuestionSet).values(version=QuestionSet.version + 1))
        await session.commit()


async def competitions(factory: async_sessionmaker[AsyncSession]) -> list[Competition]:
    async with factory() as session:
        return list((await session.execute(select(Competition).order_by(Competition.id))).scalars())


async def to_composition(
    chat: ChatDriver, name: str = "安全月竞赛", source: str = "题库：安全生产题库"
) -> list[str]:
    await chat.send("/new_competition")
    await chat.send(name)
    await chat.press("现在开始")
    await chat.press("7 天后结束")
    return [texts(await chat.press(source))]


async def test_only_papers_the_bank_can_fill_are_offered_and_a_typed_one_is_refused_in_words(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await add_bank(session_factory, singles=9, judge=12)
    (asked,) = await to_composition(admin_chat)
    assert "所选题目：判断题 12 · 单选题 9" in asked
    # 单选 10 + 判断 5 and 单选 20 cannot be filled: not offered; the bank's own mix is.
    assert admin_chat.button_labels() == ["按题库：单选题 9 道 + 判断题 5 道", "◀ 上一步"]
    refused = texts(await admin_chat.send("单选题 10 道 + 判断题 5 道"))
    assert "所选题目凑不满这样的试卷：" in refused
    assert "组卷第 1 行：每份试卷需要 10 道单选题，但所选题目只能保证 9 道" in refused
    assert "rules" not in refused
    # Still at the paper, with its buttons: nothing typed before is lost.
    assert admin_chat.button_labels() == ["按题库：单选题 9 道 + 判断题 5 道", "◀ 上一步"]
    assert "每道题限时多少秒" in texts(await admin_chat.send("单选 9 判断 3"))
    for label in ("30 秒", "不限时", "1 次", "总分"):
        await admin_chat.press(label)
    preview = texts(await admin_chat.press("关闭"))
    assert "单选题 9 道，判断题 3 道，共 12 题" in preview
    assert "全卷最长 6 分钟（12 题 × 每题 30 秒）" in preview
    assert await competitions(session_factory) == []


async def test_a_whole_paper_limit_that_could_never_apply_is_refused_with_the_real_figure(
    admin_chat: ChatDriver,
) -> None:
    # An empty bank: its questions are still to come, so any paper may be set.
    (asked,) = await to_composition(admin_chat, source="全部题库")
    assert "所选范围里还没有题目" in asked
    await admin_chat.send("单选 10 判断 5")
    asked = texts(await admin_chat.press("20 秒"))
    assert "15 题 × 每题 20 秒：全卷最长 5 分钟" in asked
    assert admin_chat.button_labels() == ["不限时", "3 分钟", "◀ 上一步"]
    refused = texts(await admin_chat.send("整卷限时 30 分钟"))
    assert "整卷限时 30 分钟不会起作用：15 题 × 每题 20 秒，全卷最长 5 分钟" in refused
    assert "全卷最长 5 分钟”" in refused  # what workers are told
    assert admin_chat.button_labels() == ["不限时", "3 分钟", "◀ 上一步"]
    assert "每人可以答几次" in texts(await admin_chat.send("4分钟"))


async def test_back_goes_one_step_back_and_change_returns_to_the_preview_keeping_the_rest(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await add_bank(session_factory, singles=20, judge=12)
    await to_composition(admin_chat, name="质量月竞赛")
    await admin_chat.press("单选题 10 道 + 判断题 5 道")
    assert "组卷" in texts(await admin_chat.press("◀ 上一步"))  # back at the paper
    assert "题目从哪里抽" in texts(await admin_chat.press("◀ 上一步"))
    await admin_chat.press("题库：安全生产题库")
    await admin_chat.press("单选题 20 道")
    await admin_chat.press("30 秒")
    await admin_chat.press("不限时")
    await admin_chat.press("1 次")
    await admin_chat.press("平均分（按在册人数")
    preview = texts(await admin_chat.press("关闭"))
    assert "质量月竞赛" in preview and "单选题 20 道，共 20 题" in preview
    assert admin_chat.button_labels() == ["保存", "取消", "✏️ 修改"]
    which = texts(await admin_chat.press("✏️ 修改"))
    assert "要修改哪一项" in which and "修改：整卷限时" in admin_chat.button_labels()
    await admin_chat.press("修改：组卷")
    again = texts(await admin_chat.press("单选题 10 道 + 判断题 5 道"))  # straight back
    assert "质量月竞赛" in again and "单选题 10 道，判断题 5 道，共 15 题" in again
    assert "排行榜公告：不发公告" in again  # the later answers were kept
    assert "竞赛已创建" in texts(await admin_chat.press("保存"))


async def test_a_refused_save_keeps_every_answer_and_offers_the_step_to_change(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await add_bank(session_factory, singles=10, judge=12)
    await to_composition(admin_chat)
    await admin_chat.press("单选题 10 道 + 判断题 5 道")
    await admin_chat.press("30 秒")
    await admin_chat.press("5 分钟")
    await admin_chat.press("2 次")
    await admin_chat.press("总分")
    await admin_chat.press("每天 18:00")
    await retire_singles(session_factory, keep=9)
    refused = texts(await admin_chat.press("保存"))
    assert "这个竞赛还不能保存" in refused
    assert "组卷第 1 行：每份试卷需要 10 道单选题，但所选题目只能保证 9 道" in refused
    assert "rules" not in refused and "已填的内容都保留着" in refused
    assert admin_chat.button_labels() == ["修改：组卷", "取消"]
    assert await competitions(session_factory) == []
    await admin_chat.press("修改：组卷")
    preview = texts(await admin_chat.press("按题库：单选题 9 道 + 判断题 5 道"))
    assert "整卷限时 5 分钟，可答 2 次" in preview and "每天 18:00" in preview
    created = await admin_chat.press("保存")
    assert "竞赛已创建" in texts(created)
    (competition,) = await competitions(session_factory)
    assert competition.rules["total_time_limit_s"] == 300
    assert competition.rules["team"]["mode"] == "sum"


async def test_created_offers_the_next_steps_as_buttons(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await add_bank(session_factory, singles=10, judge=5)
    await to_composition(admin_chat)
    for label in ("单选题 10 道 + 判断题 5 道", "30 秒", "不限时", "1 次", "总分", "关闭", "保存"):
        done = await admin_chat.press(label)
    assert "竞赛已创建" in texts(done)
    assert "将在 2026-09-01 09:00 自动开启。接下来可以：" in texts(done)
    assert admin_chat.button_labels() == NEXT_STEPS
    assert "已开启" in texts(await admin_chat.press("▶️ 现在开启"))
    (competition,) = await competitions(session_factory)
    assert competition.status == CompetitionStatus.OPEN


async def test_the_dialog_speaks_english_with_the_same_checks(
    english_admin: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await add_bank(session_factory, singles=9, judge=12)
    await english_admin.send("/new_competition")
    await english_admin.send("Safety month")
    assert english_admin.button_labels() == ["Start now", "◀ Back"]
    await english_admin.press("Start now")
    await english_admin.press("End after 7 days")
    asked = texts(await english_admin.press("Set: 安全生产题库"))
    assert "The chosen questions: True/false 12 · Single choice 9" in asked
    refused = texts(await english_admin.send("10 单选 5 判断"))
    assert "Line 1 of the paper: every paper needs 10 of type" in refused
    assert "can be sure of only 9" in refused and "rules" not in refused
    await english_admin.press("From the bank")
    await english_admin.press("20 seconds")
    refused = texts(await english_admin.send("30"))
    assert "A whole-paper limit of 30 min can never apply" in refused
    assert "make at most 4 minutes 40 seconds" in refused


async def test_a_change_that_makes_the_whole_paper_limit_moot_sends_back_to_that_step(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await add_bank(session_factory, singles=10, judge=5)
    await to_composition(admin_chat)
    for label in ("单选题 10 道 + 判断题 5 道", "30 秒", "5 分钟", "1 次", "总分", "关闭"):
        await admin_chat.press(label)
    await admin_chat.press("✏️ 修改")
    await admin_chat.press("修改：每题限时")
    refused = texts(await admin_chat.press("20 秒"))  # 15 × 20 s = 5 min: 5 分钟 is moot now
    assert "整卷限时：5 分钟不会起作用：15 题 × 每题 20 秒，全卷最长 300 秒" in refused
    assert admin_chat.button_labels() == ["修改：整卷限时", "取消"]
    await admin_chat.press("修改：整卷限时")
    preview = texts(await admin_chat.press("3 分钟"))
    assert "每题限时 20 秒，整卷限时 3 分钟" in preview


async def test_back_from_the_announcements_skips_a_team_level_there_is_none_of(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await add_bank(session_factory, singles=10, judge=5)
    await to_composition(admin_chat)
    for label in ("单选题 10 道 + 判断题 5 道", "30 秒", "不限时", "1 次"):
        await admin_chat.press(label)
    assert "排行榜什么时候发到群里" in texts(await admin_chat.press("总分"))  # no levels
    assert "团队怎么计分" in texts(await admin_chat.press("◀ 上一步"))
    assert "每人可以答几次" in texts(await admin_chat.press("◀ 上一步"))


MOOT_YAML = """\
name: 质量月知识竞赛
starts_at: 2026-09-01 09:00
ends_at: 2026-09-30 18:00
rules:
  composition:
    - {type: 单选, count: 10}
    - {type: 判断, count: 5}
  question_time_limit_s: 30
  total_time_limit_s: 1800
"""


async def test_a_file_whose_whole_paper_limit_cannot_apply_previews_the_real_figure(
    admin_chat: ChatDriver, english_admin: ChatDriver
) -> None:
    sent = await upload(admin_chat, "contest.yaml", MOOT_YAML.encode())
    said = "整卷限时 30 分钟不起作用，全卷最长 7 分钟 30 秒（15 题 × 每题 30 秒）"
    assert said in sent[-1].text
    sent = await upload(english_admin, "contest.yaml", MOOT_YAML.encode())
    said = "does not apply; the paper at most 7 minutes 30 seconds (15 questions × 30 s)"
    assert said in sent[-1].text


async def test_open_refused_for_a_short_bank_reads_in_words(
    admin_chat: ChatDriver,
    english_admin: ChatDriver,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await add_bank(session_factory, singles=1, judge=0)
    competition = await add_competition(session_factory, status=CompetitionStatus.DRAFT)
    said = texts(await admin_chat.send(f"/open {competition.id}"))
    assert "竞赛定义有 1 处错误，没有做任何更改：" in said
    assert "• 组卷第 1 行：每份试卷需要 2 道单选题，但所选题目只能保证 1 道" in said
    assert "rules" not in said
    said = texts(await english_admin.send(f"/open {competition.id}"))
    assert "Line 1 of the paper: every paper needs 2 of type" in said and "rules" not in said
