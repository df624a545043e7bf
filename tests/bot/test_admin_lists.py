"""Lists an organiser can grow arrive in pages that fit; commands without a number offer
buttons (/export after /close needs no id typed)."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.long_text import LIMIT
from contest.models import CompetitionStatus, Team, Worker
from tests.bot.admin_fixtures import T0, add_competition, audit_entries, texts
from tests.fakes.chat import ChatDriver

Factory = async_sessionmaker[AsyncSession]


async def add_teams(factory: Factory, count: int) -> None:
    async with factory() as session:
        for i in range(count):
            name = f"第{i:03d}检验班组（{'长' * 20}）"
            team = Team(name=name, kind="班组", join_code=f"T{i:04d}")
            session.add(team)
            await session.flush()
            session.add(Worker(telegram_id=10_000 + i, real_name=f"职工{i}", team_id=team.id,
                               registered_at=T0))  # fmt: skip
        await session.commit()


async def test_stats_with_300_teams_arrive_in_pages(
    admin_chat: ChatDriver, session_factory: Factory
) -> None:
    competition = await add_competition(session_factory, status=CompetitionStatus.OPEN)
    await add_teams(session_factory, 300)
    sent = await admin_chat.send(f"/stats {competition.id}")
    assert [r.method for r in sent] == ["sendMessage"]
    first = sent[0]
    assert len(first.text) < LIMIT and "第 1/" in first.text
    pages = int(first.text.rsplit("/", 1)[1].split(" ")[0])
    assert pages >= 12
    assert [b["text"] for b in first.buttons] == ["下一页 ▶"]
    seen = set(line for line in first.text.split("\n") if "检验班组" in line)
    for _ in range(pages - 1):
        flipped = await admin_chat.press("下一页")
        (edit,) = [r for r in flipped if r.method == "editMessageText"]
        assert len(edit.text) < LIMIT
        seen |= {line for line in edit.text.split("\n") if "检验班组" in line}
    assert len(seen) == 300
    assert "下一页" not in str(admin_chat.button_labels())
    back = await admin_chat.press("上一页")
    assert any(r.method == "editMessageText" for r in back)


async def test_export_without_an_id_takes_the_only_competition_or_offers_buttons(
    admin_chat: ChatDriver, session_factory: Factory
) -> None:
    first = await add_competition(session_factory, status=CompetitionStatus.OPEN)
    sent = await admin_chat.send("/export")
    assert sent[-1].method == "sendDocument" and f"#{first.id}" in sent[-1].text
    second = await add_competition(session_factory, status=CompetitionStatus.OPEN, name="第二场")
    await admin_chat.send(f"/close {first.id}")
    await admin_chat.press("确认结束")
    offered = await admin_chat.send("/export")
    assert "导出哪个竞赛的成绩" in offered[-1].text
    assert admin_chat.button_labels() == [f"#{second.id} 第二场", f"#{first.id} 质量月知识竞赛"]
    exported = await admin_chat.press(f"#{first.id}")
    document = [r for r in exported if r.method == "sendDocument"][-1]
    assert f"#{first.id}" in document.text  # the one pressed, not a guess
    (content,) = document.files.values()
    assert "个人排名" in load_workbook(io.BytesIO(content)).sheetnames
    last = (await audit_entries(session_factory))[-1]
    assert (last.action, last.detail.get("competition_id")) == ("results.export", first.id)


async def test_commands_without_a_number_offer_the_competitions(
    admin_chat: ChatDriver, session_factory: Factory
) -> None:
    competition = await add_competition(session_factory)
    await add_competition(session_factory, status=CompetitionStatus.CLOSED, name="旧竞赛")
    assert "开启哪个竞赛" in texts(await admin_chat.send("/open"))
    assert admin_chat.button_labels() == [f"#{competition.id} 质量月知识竞赛"]
    assert "已开启" in texts(await admin_chat.press(f"#{competition.id}"))
    assert "结束哪个竞赛" in texts(await admin_chat.send("/close"))
    later = await add_competition(session_factory, name="下一场")
    await admin_chat.send("/set_times")
    await admin_chat.press(f"#{later.id}")
    await admin_chat.send("明天9点")
    assert "时间已更新" in texts(await admin_chat.send("3天后"))


async def test_long_competition_and_team_lists_are_paged(
    admin_chat: ChatDriver, session_factory: Factory
) -> None:
    for i in range(25):
        await add_competition(session_factory, name=f"竞赛{i}")
    await add_teams(session_factory, 60)
    listing = (await admin_chat.send("/competitions"))[-1]
    assert "第 1/3 页" in listing.text and len(listing.text) < LIMIT
    assert "下一页 ▶" in admin_chat.button_labels()
    teams = (await admin_chat.send("/teams"))[-1]
    assert "第 1/" in teams.text and len(teams.text) < LIMIT
