"""Uploads in chat: question banks and rosters checked, reported, confirmed and imported;
every bad file gets its own clear error and leaves the database unchanged."""

from __future__ import annotations

import copy

import pytest
from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.factory import create_dispatcher
from bot.fsm_storage import DatabaseStorage
from config import Settings
from contest.models import Worker
from contest.organisers import grant_organiser
from quizbank.models import Question
from tests.bot.admin_fixtures import (
    ROSTER_HEADER,
    add_competition,
    audit_entries,
    count_rows,
    roster_rows,
    texts,
    upload,
    xlsx_bytes,
)
from tests.bot.conftest import ADMIN_ID
from tests.conftest import MovableClock
from tests.fakes.chat import ChatDriver
from tests.fakes.telegram import FakeTelegram
from tests.quizbank.bank_files import HEADER, docx_bytes, good_rows, row
from tests.turns import turn

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x01" * 200


def bank_csv(encoding: str = "utf-8-sig") -> bytes:
    lines = ["题型,题干,选项A,选项B,答案,分类", "单选,全国质量月始于哪一年？,1978年,1988年,B,历史",
             "判断,PDCA是戴明环。,,,对,PDCA"]  # fmt: skip
    return ("\n".join(lines) + "\n").encode(encoding)


def bad_bank_rows(n: int) -> list[list[object]]:
    return [row(type="单选题", stem=f"第{i}题", A="甲", B="乙", answer="E") for i in range(n)]


async def questions(factory: async_sessionmaker[AsyncSession]) -> list[Question]:
    async with factory() as session:
        return list((await session.execute(select(Question).order_by(Question.id))).scalars())


# --- good files --------------------------------------------------------------------------


async def test_bank_xlsx_is_reported_then_imported_on_confirmation(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    before = await count_rows(session_factory)
    sent = await upload(admin_chat, "质量月题库.xlsx", xlsx_bytes(good_rows(), HEADER))
    assert [r.method for r in sent] == ["getFile", "sendMessage"]
    report = sent[-1]
    for expected in ("有效题目：4 道", "单选题：1", "多选题：1", "质量月历史：2", "质量月题库"):
        assert expected in report.text
    assert [b["text"] for b in report.buttons] == ["导入", "取消"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in report.buttons)
    assert await count_rows(session_factory) == before  # nothing before 导入
    done = await admin_chat.press("导入")
    assert "已导入题库“质量月题库”" in texts(done) and "新增 4" in texts(done)
    assert len(await questions(session_factory)) == 4
    assert ("bank.import", "ok") in [(e.action, e.outcome)
                                     for e in await audit_entries(session_factory)]  # fmt: skip


async def test_reupload_of_an_updated_file_updates_in_place(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await upload(admin_chat, "bank.xlsx", xlsx_bytes(good_rows(), HEADER))
    await admin_chat.press("导入")
    ids = [q.id for q in await questions(session_factory)]
    rows = good_rows()
    rows[0][7] = "1978年8月31日召开首次动员大会。"  # a new explanation
    await upload(admin_chat, "bank.xlsx", xlsx_bytes(rows, HEADER))
    done = await admin_chat.press("导入")
    assert "更新 1" in texts(done) and "未变 3" in texts(done)
    after = await questions(session_factory)
    assert [q.id for q in after] == ids
    assert after[0].explanation.startswith("1978年8月31日")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
async def test_bank_csv_in_any_common_encoding_imports(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession], encoding: str
) -> None:
    sent = await upload(admin_chat, "题库.csv", bank_csv(encoding))
    assert "有效题目：2 道" in sent[-1].text
    await admin_chat.press("导入")
    assert len(await questions(session_factory)) == 2


async def test_bank_json_imports_into_its_named_set(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    data = ('{"name": "标准化题库", "questions": [{"type": "判断", "stem": "GB是国家标准代号。",'
            ' "answer": "对"}]}').encode()  # fmt: skip
    sent = await upload(admin_chat, "any.json", data)
    assert "有效题目：1 道" in sent[-1].text
    done = await admin_chat.press("导入")
    assert "标准化题库" in texts(done)


WORD_BANK = ["一、单选题（每题2分）", "1. 全国质量月始于哪一年？", "A.1960年 B.1978年",
             "答案：B", "二、判断题", "1. 质量是检验出来的。（×）"]  # fmt: skip


async def test_bank_docx_is_reported_then_imported(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    sent = await upload(admin_chat, "车间题库.docx", docx_bytes(WORD_BANK))
    report = sent[-1]
    for expected in ("有效题目：2 道", "单选题：1", "判断题：1", "车间题库"):
        assert expected in report.text
    done = await admin_chat.press("导入")
    assert "已导入题库“车间题库”" in texts(done) and "新增 2" in texts(done)
    assert [(q.type, q.points) for q in await questions(session_factory)] == [
        ("single", 2.0), ("true_false", 1.0)
    ]  # fmt: skip


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "utf-16"])
async def test_bank_txt_in_any_common_encoding_imports(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession], encoding: str
) -> None:
    sent = await upload(admin_chat, "题库.txt", "\n".join(WORD_BANK).encode(encoding))
    assert "有效题目：2 道" in sent[-1].text
    await admin_chat.press("导入")
    assert len(await questions(session_factory)) == 2


async def test_a_bad_text_bank_names_the_line_and_imports_nothing(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    before = await count_rows(session_factory)
    text = "\n".join(WORD_BANK).replace("答案：B", "答案：E")
    sent = await upload(admin_chat, "题库.txt", text.encode())
    assert "文件 题库.txt 第4行 [答案]" in sent[-1].text and not sent[-1].buttons
    assert await count_rows(session_factory) == before


async def test_ignored_columns_are_noted_but_the_bank_imports(admin_chat: ChatDriver) -> None:
    header = ["试题类型", "试题内容", "选项1", "选项2", "标准答案", "答案解释"]
    rows = [["单选题", "全国质量月始于哪一年？", "1960年", "1978年", "B", "1978年首次开展。"]]
    sent = await upload(admin_chat, "platform.xlsx", xlsx_bytes(rows, header))
    assert "提示（不影响导入）" in sent[-1].text and "如果它是“解析”" in sent[-1].text
    assert [b["text"] for b in sent[-1].buttons] == ["导入", "取消"]


async def test_roster_xlsx_is_detected_and_imported(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    sent = await upload(admin_chat, "花名册.xlsx", xlsx_bytes(roster_rows(3), ROSTER_HEADER))
    assert "有效人员：3 人" in sent[-1].text and "质量部 / 一班" in sent[-1].text
    before = await count_rows(session_factory)
    assert before["worker"] == 0
    done = await admin_chat.press("导入")
    assert "名单已导入" in texts(done)
    async with session_factory() as session:
        numbers = sorted((await session.execute(select(Worker.employee_no))).scalars())
    assert numbers == ["E000", "E001", "E002"]


async def test_ambiguous_headers_ask_which_kind(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    header = ["题型", "题干", "答案", "姓名", "工号", "部门", "班组"]
    sent = await upload(admin_chat, "mixed.xlsx", xlsx_bytes([["判断", "对吗", "对"]], header))
    assert [b["text"] for b in sent[-1].buttons] == ["题库", "人员名单"]
    chosen = await admin_chat.press("题库")
    assert "有效题目：1 道" in texts(chosen)


async def test_cancel_and_a_second_press_change_nothing(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    before = await count_rows(session_factory)
    await upload(admin_chat, "bank.xlsx", xlsx_bytes(good_rows(), HEADER))
    report = copy.deepcopy(admin_chat.last_keyboard_message())  # the client's stale copy
    assert "已取消" in texts(await admin_chat.press("取消", report))
    again = await admin_chat.press("导入", report)
    assert again[-1].method == "answerCallbackQuery" and "已过期" in again[-1].text
    assert await count_rows(session_factory) == before


async def test_import_pressed_twice_imports_once(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await upload(admin_chat, "bank.xlsx", xlsx_bytes(good_rows(), HEADER))
    report = copy.deepcopy(admin_chat.last_keyboard_message())  # the client's stale copy
    await admin_chat.press("导入", report)
    second = await admin_chat.press("导入", report)
    assert "已过期" in second[-1].text
    assert len(await questions(session_factory)) == 4
    imports = [e for e in await audit_entries(session_factory) if e.action == "bank.import"]
    assert len(imports) == 1


async def test_pending_upload_survives_a_restart(
    admin_chat: ChatDriver, api: FakeTelegram, bot: Bot, settings: Settings,
    session_factory: async_sessionmaker[AsyncSession], clock: MovableClock,
) -> None:  # fmt: skip
    await upload(admin_chat, "bank.xlsx", xlsx_bytes(good_rows(), HEADER))
    report = copy.deepcopy(admin_chat.last_keyboard_message())  # the client's stale copy
    restarted = create_dispatcher(
        settings, session_factory, storage=DatabaseStorage(session_factory), clock=clock
    )
    chat = ChatDriver(restarted, bot, api, user_id=admin_chat.user["id"])
    await chat.press("导入", report)
    assert len(await questions(session_factory)) == 4


async def test_many_errors_come_with_the_full_report_as_a_document(
    admin_chat: ChatDriver, api: FakeTelegram, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    before = await count_rows(session_factory)
    sent = await upload(admin_chat, "bad.xlsx", xlsx_bytes(bad_bank_rows(14), HEADER))
    message, document = sent[-2], sent[-1]
    assert "发现 14 个问题（列出前 10 个）" in message.text
    assert "第2行" in message.text and "[答案]" in message.text
    assert "另有 4 个问题" in message.text and "没有导入任何内容" in message.text
    assert not message.buttons
    assert document.method == "sendDocument"
    (content,) = document.files.values()
    assert content.decode("utf-8-sig").count("第") >= 14
    assert await count_rows(session_factory) == before


async def test_one_bad_row_offers_no_import(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    before = await count_rows(session_factory)
    sent = await upload(admin_chat, "bad.xlsx",
                        xlsx_bytes([*good_rows(), *bad_bank_rows(1)], HEADER))  # fmt: skip
    assert "第6行" in sent[-1].text and not sent[-1].buttons
    assert [r.method for r in sent].count("sendDocument") == 0
    assert await count_rows(session_factory) == before


# --- bad files ---------------------------------------------------------------------------


def _broken_gbk_csv() -> bytes:
    data = bank_csv("gbk")
    return data[:40] + b"\x81\x20" + data[40:]


BAD_FILES = {
    "wrong extension": ("题库.pptx", b"PK\x03\x04 not really", "不支持的文件类型"),
    "old word": ("题库.doc", OLE2, "另存为” .docx"),
    "password protected word": ("题库.docx", OLE2, "受密码保护"),
    "workbook renamed docx": ("题库.docx", xlsx_bytes(good_rows(), HEADER), "不是有效的 .docx"),
    "renamed png txt": ("题库.txt", PNG, "不是文本文件"),
    "text without questions": ("通知.txt", "请各班组按时参加。".encode(), "没有找到带题号的题目"),
    "picture": ("photo.png", PNG, "不支持的文件类型"),
    "renamed png": ("题库.xlsx", PNG, "不是有效的 .xlsx"),
    "corrupt xlsx": ("题库.xlsx", b"PK\x03\x04" + b"\x00" * 300, "不是有效的 .xlsx"),
    "password protected": ("题库.xlsx", OLE2, "受密码保护"),
    "macro workbook": ("题库.xlsm", b"PK\x03\x04", "另存为"),
    "old excel": ("题库.xls", OLE2, "另存为"),
    "empty sheet": ("题库.xlsx", xlsx_bytes([], None), "没有导入任何内容"),
    "empty file": ("题库.csv", b"", "文件是空的"),
    "renamed binary csv": ("题库.csv", PNG, "不是文本文件"),
    "broken gbk": ("题库.csv", _broken_gbk_csv(), "无法识别文件编码"),
    "bad json": ("题库.json", b'{"questions": [', "没有导入任何内容"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
async def test_bad_file_gets_a_clear_error_and_changes_nothing(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession], case: str
) -> None:
    name, data, expected = BAD_FILES[case]
    before = await count_rows(session_factory)
    sent = await upload(admin_chat, name, data)
    reply = [r for r in sent if r.method == "sendMessage"][-1]
    assert expected in reply.text, reply.text
    assert not reply.buttons
    assert await count_rows(session_factory) == before
    assert (await admin_chat.dp.storage.get_state(_key(admin_chat))) is None


def _key(chat: ChatDriver) -> StorageKey:
    return StorageKey(bot_id=42, chat_id=chat.chat_id, user_id=chat.user["id"])


async def test_file_over_the_limit_is_refused_before_download(
    admin_chat: ChatDriver, api: FakeTelegram, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    before = await count_rows(session_factory)
    sent = await upload(admin_chat, "big.xlsx", xlsx_bytes(good_rows(), HEADER),
                        size=11 * 1024 * 1024)  # fmt: skip
    assert [r.method for r in sent] == ["sendMessage"]  # no getFile
    assert "文件太大" in sent[0].text and "10 MB" in sent[0].text
    assert await count_rows(session_factory) == before


async def test_a_workers_document_is_not_ours_to_refuse(
    worker_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    before = await count_rows(session_factory)
    sent = await upload(worker_chat, "bank.xlsx", xlsx_bytes(good_rows(), HEADER))
    assert "getFile" not in [r.method for r in sent]
    assert all("组织者" not in r.text for r in sent)
    assert await count_rows(session_factory) == before


async def test_english_organiser_gets_an_english_report(
    dp: Dispatcher, bot: Bot, api: FakeTelegram
) -> None:
    chat = ChatDriver(dp, bot, api, user_id=900, language_code="en")
    sent = await upload(chat, "bank.xlsx", xlsx_bytes(good_rows(), HEADER))
    assert "Valid questions: 4" in sent[-1].text
    assert [b["text"] for b in sent[-1].buttons] == ["Import", "Cancel"]


async def test_an_organiser_of_one_competition_cannot_change_the_bank_or_roster(
    dp: Dispatcher, bot: Bot, api: FakeTelegram, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """The bank and the roster serve every competition: a scoped grant is not enough."""
    competition = await add_competition(session_factory)
    async with session_factory() as session:
        await turn(
            session,
            grant_organiser(
                session, telegram_id=3003, competition_id=competition.id, granted_by=ADMIN_ID
            ),
        )
    scoped = ChatDriver(dp, bot, api, user_id=3003, first_name="赵组织")
    before = await count_rows(session_factory)
    for name, data in [("题库.xlsx", xlsx_bytes(good_rows(), HEADER)),
                       ("名单.xlsx", xlsx_bytes(roster_rows(), ROSTER_HEADER))]:  # fmt: skip
        sent = await upload(scoped, name, data)
        assert [r.method for r in sent] == ["sendMessage"]  # refused before any download
        assert "只有全部竞赛的组织者可以进行" in sent[0].text
    assert await count_rows(session_factory) == before
    denied = [(e.actor_id, e.action, e.outcome) for e in await audit_entries(session_factory)]
    assert denied == [(3003, "upload.check", "denied")] * 2
