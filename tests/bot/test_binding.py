"""/bind and /unbind in a group, by organisers only."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contest.models import AuditEntry, ChatBinding
from tests.bot.conftest import ADMIN_ID
from tests.fakes.chat import ChatDriver
from tests.fakes.telegram import FakeTelegram
from tests.scheduler.conftest import make_competition

GROUP = -100_555


def in_group(dp: Dispatcher, bot: Bot, api: FakeTelegram, user_id: int) -> ChatDriver:
    return ChatDriver(dp, bot, api, user_id=user_id, chat_id=GROUP, chat_type="supergroup")


async def bindings(session: AsyncSession) -> list[tuple[int, int, bool]]:
    query = select(ChatBinding).execution_options(populate_existing=True)
    return [
        (b.competition_id, b.chat_id, b.active) for b in (await session.execute(query)).scalars()
    ]


async def test_organiser_binds_and_unbinds_the_group(
    session: AsyncSession, dp: Dispatcher, bot: Bot, api: FakeTelegram
) -> None:
    competition = await make_competition(session, bind=None)
    admin = in_group(dp, bot, api, ADMIN_ID)
    sent = await admin.send(f"/bind {competition.id}")
    assert "已绑定" in sent[-1].text and "质量月&lt;竞赛&gt;" in sent[-1].text
    assert await bindings(session) == [(competition.id, GROUP, True)]
    assert "已经绑定" in (await admin.send(f"/bind {competition.id}"))[-1].text
    assert "解除" in (await admin.send("/unbind"))[-1].text
    assert await bindings(session) == []
    assert "没有绑定" in (await admin.send("/unbind"))[-1].text


async def test_bind_refuses_workers_bad_ids_and_unknown_competitions(
    session: AsyncSession, dp: Dispatcher, bot: Bot, api: FakeTelegram
) -> None:
    competition = await make_competition(session, bind=None)
    worker = in_group(dp, bot, api, 1001)
    assert "仅限组织者" in (await worker.send(f"/bind {competition.id}"))[-1].text
    admin = in_group(dp, bot, api, ADMIN_ID)
    assert "用法" in (await admin.send("/bind abc"))[-1].text
    assert "找不到" in (await admin.send("/bind 999"))[-1].text
    assert await bindings(session) == []


async def test_binding_actions_and_refusals_are_audited(
    session: AsyncSession, dp: Dispatcher, bot: Bot, api: FakeTelegram
) -> None:
    competition = await make_competition(session, bind=None)
    await in_group(dp, bot, api, 1001).send(f"/bind {competition.id}")
    admin = in_group(dp, bot, api, ADMIN_ID)
    await admin.send(f"/bind {competition.id}")
    await admin.send("/unbind")
    rows = (await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars().all()
    assert [(r.actor_id, r.action, r.outcome) for r in rows] == [
        (1001, "chat.bind", "denied"),
        (ADMIN_ID, "chat.bind", "ok"),
        (ADMIN_ID, "chat.unbind", "ok"),
    ]
    assert rows[1].detail == {"via": "telegram", "competition_id": competition.id,
                              "chat_id": GROUP, "language": "zh"}  # fmt: skip


async def test_bind_without_a_number_offers_the_competitions(
    session: AsyncSession, dp: Dispatcher, bot: Bot, api: FakeTelegram
) -> None:
    competition = await make_competition(session, bind=None)
    admin = in_group(dp, bot, api, ADMIN_ID)
    await admin.send("/bind")
    sent = await admin.press(f"#{competition.id}")
    assert any("已绑定" in r.text for r in sent)
    assert await bindings(session) == [(competition.id, GROUP, True)]


async def test_bind_chooses_the_announcement_language(
    session: AsyncSession, dp: Dispatcher, bot: Bot, api: FakeTelegram
) -> None:
    competition = await make_competition(session, bind=None)
    admin = in_group(dp, bot, api, ADMIN_ID)
    assert "用法" in (await admin.send(f"/bind {competition.id} fr"))[-1].text
    await admin.send(f"/bind {competition.id} en")
    query = select(ChatBinding.language).execution_options(populate_existing=True)
    assert list((await session.execute(query)).scalars()) == ["en"]
    await admin.send(f"/bind {competition.id}")  # binding again switches back to Chinese
    assert list((await session.execute(query)).scalars()) == ["zh"]
