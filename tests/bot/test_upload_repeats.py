"""An uploaded bank that repeats another set: the preview lists the repeats and the organiser
imports them too or leaves them out."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from quizbank.models import Question, QuestionSet
from tests.bot.admin_fixtures import texts, upload, xlsx_bytes
from tests.fakes.chat import ChatDriver
from tests.quizbank.bank_files import HEADER, docx_bytes, good_rows

WORD = [
    "一、单选题",
    "1. 全国质量月始于哪一年（ ）",
    "A. 1978年 B. 1960年 C. 1988年",
    "答案：C",  # the Excel bank says 1978年
    "2. 六西格玛管理起源于哪家公司？",
    "A. 摩托罗拉 B. 通用电气",
    "答案：A",
]


async def _stems(factory: async_sessionmaker[AsyncSession], set_name: str) -> list[str]:
    async with factory() as session:
        rows = await session.scalars(
            select(Question.stem).join(QuestionSet).where(QuestionSet.name == set_name)
        )
        return list(rows)


async def test_the_preview_lists_repeats_and_offers_to_leave_them_out(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await upload(admin_chat, "质量月题库.xlsx", xlsx_bytes(good_rows(), HEADER))
    await admin_chat.press("导入")
    sent = await upload(admin_chat, "补充题库.docx", docx_bytes(WORD))
    report = sent[-1]
    assert "与其他题库重复的题目 1 道（其中答案不一致 1 道）" in report.text
    assert "1988年；已有：1978年" in report.text
    assert [b["text"] for b in report.buttons] == ["导入", "跳过重复题后导入", "取消"]
    done = await admin_chat.press("跳过重复题后导入")
    assert "跳过了重复题 1 道" in texts(done) and "新增 1" in texts(done)
    assert await _stems(session_factory, "补充题库") == ["六西格玛管理起源于哪家公司？"]


async def test_a_bank_repeating_nothing_keeps_two_buttons(admin_chat: ChatDriver) -> None:
    sent = await upload(admin_chat, "补充题库.docx", docx_bytes(WORD))
    assert "重复" not in sent[-1].text
    assert [b["text"] for b in sent[-1].buttons] == ["导入", "取消"]
