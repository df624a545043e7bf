"""Organiser rights in chat: /grant, /revoke, /organisers, /audit; everyone else is refused."""

from __future__ import annotations

import pytest
from aiogram import Bot, Dispatcher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.models import Organiser
from i18n import t
from tests.bot.admin_fixtures import add_competition, add_worker, audit_entries, texts
from tests.fakes.chat import ChatDriver
from tests.fakes.telegram import FakeTelegram

ADMIN_COMMANDS = [
    "/grant 1001", "/revoke 1001", "/organisers", "/audit", "/competitions", "/open 1",
    "/close 1", "/set_times 1 2026-09-01 09:00 2026-09-02 09:00", "/set_schedule 1 off",
    "/stats", "/stats 1", "/export 1", "/new_competition", "/broadcast 1", "/teams",
    "/move E1 ABC", "/setup", "/schedules", "/open", "/close", "/set_times", "/set_schedule",
    "/set_schedule 1 每天18点", "/export", "/broadcast",
]  # fmt: skip
FORGED_BUTTONS = ["pick:open:1", "pick:export:1", "pick:set_times:1", "pick:set_schedule:1",
                  "pick:broadcast:1", "sch:1:daily_18", "pz:pause:announce:1",
                  "org:competitions", "nc:start:now", "pg:audit:0:1", "pg:stats:1:0"]  # fmt: skip


async def organisers(factory: async_sessionmaker[AsyncSession]) -> list[tuple[int, int | None]]:
    async with factory() as session:
        rows = (await session.execute(select(Organiser))).scalars()
        return sorted((r.telegram_id, r.competition_id) for r in rows)


@pytest.mark.parametrize("command", ADMIN_COMMANDS)
async def test_every_admin_command_refuses_a_worker_politely(
    worker_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession], command: str
) -> None:
    await add_competition(session_factory)
    sent = await worker_chat.send(command)
    assert len(sent) == 1 and sent[0].method == "sendMessage"
    assert sent[0].text == t("contest.error.denied", "zh")  # one wording for every action
    entries = await audit_entries(session_factory)
    assert [(e.actor_id, e.outcome) for e in entries] == [(1001, "denied")]
    assert await organisers(session_factory) == []


@pytest.mark.parametrize("data", FORGED_BUTTONS)
async def test_a_forged_organiser_button_is_refused_and_audited(
    worker_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession], data: str
) -> None:
    await add_competition(session_factory)
    await worker_chat.send("/help")  # any message to press a button on
    sent = await worker_chat.callback(data)
    answers = [r for r in sent if r.method == "answerCallbackQuery"]
    if data.startswith("nc:"):  # a dialog step outside the dialog is only stale
        assert answers and "已过期" in answers[0].params["text"]
        return
    said = [r.params.get("text") for r in sent if r.method in ("answerCallbackQuery",
                                                                "sendMessage")]  # fmt: skip
    assert t("contest.error.denied", "zh") in said
    entries = await audit_entries(session_factory)
    assert [(e.actor_id, e.outcome) for e in entries] == [(1001, "denied")]


async def test_refusal_is_in_english_for_an_english_client(
    dp: Dispatcher, bot: Bot, api: FakeTelegram
) -> None:
    chat = ChatDriver(dp, bot, api, user_id=1002, language_code="en")
    sent = await chat.send("/organisers")
    assert sent[0].text == t("contest.error.denied", "en")


async def test_grant_by_id_by_username_and_by_reply(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession], dp: Dispatcher,
    bot: Bot, api: FakeTelegram,
) -> None:  # fmt: skip
    competition = await add_competition(session_factory)
    await add_worker(session_factory, telegram_id=2002, username="Wang_Wu")
    assert "已授予" in texts(await admin_chat.send("/grant 2001"))
    assert "已授予" in texts(await admin_chat.send(f"/grant @wang_wu {competition.id}"))
    other = ChatDriver(dp, bot, api, user_id=2003, first_name="赵六")
    replied = other._message(text="你好")
    assert "已授予" in texts(await admin_chat.send("/grant", reply_to_message=replied))
    assert await organisers(session_factory) == [(2001, None), (2002, competition.id),
                                                  (2003, None)]  # fmt: skip
    again = await admin_chat.send("/grant 2001")
    assert "已经是组织者" in again[0].text
    assert await organisers(session_factory) == [(2001, None), (2002, competition.id),
                                                  (2003, None)]  # fmt: skip
    outcomes = [(e.action, e.outcome) for e in await audit_entries(session_factory)]
    assert outcomes == [("organiser.grant", "ok")] * 3 + [("organiser.grant", "unchanged")]


async def test_grant_by_reply_to_a_forwarded_message_takes_its_author(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    forwarded = admin_chat._message(
        text="转发的消息",
        forward_origin={"type": "user", "date": 1, "sender_user": {
            "id": 3003, "is_bot": False, "first_name": "钱七"}},
    )  # fmt: skip
    sent = await admin_chat.send("/grant", reply_to_message=forwarded)
    assert "钱七" in sent[0].text
    assert await organisers(session_factory) == [(3003, None)]


@pytest.mark.parametrize("command", ["/grant", "/grant @nobody", "/grant abc", "/grant 5 x",
                                     "/grant 2001 999"])  # fmt: skip
async def test_bad_grant_changes_nothing(
    admin_chat: ChatDriver, session_factory: async_sessionmaker[AsyncSession], command: str
) -> None:
    sent = await admin_chat.send(command)
    assert len(sent) == 1 and sent[0].text
    assert await organisers(session_factory) == []


async def test_granted_organiser_may_use_commands_but_not_grant(
    admin_chat: ChatDriver, worker_chat: ChatDriver,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    await admin_chat.send("/grant 1001")
    listing = await worker_chat.send("/organisers")
    assert "1001" in listing[0].text and "抱歉" not in listing[0].text
    refused = await worker_chat.send("/grant 1002")
    assert "只有超级管理员" in refused[0].text
    assert await organisers(session_factory) == [(1001, None)]


async def test_revoke_removes_the_rights(
    admin_chat: ChatDriver, worker_chat: ChatDriver,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    await admin_chat.send("/grant 1001")
    assert "已撤销" in texts(await admin_chat.send("/revoke 1001"))
    assert await organisers(session_factory) == []
    assert "抱歉" in texts(await worker_chat.send("/organisers"))
    assert "不是组织者" in texts(await admin_chat.send("/revoke 1001"))


async def test_audit_lists_the_latest_actions(admin_chat: ChatDriver) -> None:
    assert "还没有操作记录" in texts(await admin_chat.send("/audit"))
    await admin_chat.send("/grant 2001")
    log = await admin_chat.send("/audit")
    assert "grant" in log[0].text and "2001" in log[0].text
