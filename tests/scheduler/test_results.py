"""The close, for workers: through the dispatcher and the outbox to the fake Bot API.

Each participant gets their final place, score, correct count and team place, then their
错题回顾, a certificate for the top places and a participation card — exactly once, in
their own language, with the team standings refreshed before anything is read.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

from aiogram import Bot
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.board_texts import leaderboard_text
from contest.final import FinalResult, FinalResults
from contest.leaderboard import competition_leaderboard
from contest.models import Competition, TeamStanding, Worker
from contest.scoring import ScoreStyle
from scheduler.announce import announcement_text, board_picture, load_board
from scheduler.certificate import CertificateData, certificate_layout, participation_layout
from scheduler.context import JobContext
from scheduler.dispatch import run_due_jobs
from scheduler.models import OutboxMessage, OutboxStatus
from scheduler.outbox import deliver_due
from scheduler.picture import layout as picture_layout
from scheduler.picture_data import lines
from scheduler.results import card_data
from storage.ids import id_of
from tests.conftest import MovableClock
from tests.contest.test_season import _season
from tests.fakes.telegram import FakeTelegram
from tests.scheduler.layout_checks import assert_texts_fit_and_do_not_overlap, texts


async def _closed_season(session: AsyncSession, clock: MovableClock) -> Competition:
    season = await _season(session, clock, "sum")
    competition: Competition = season["competition"]
    rules = dict(competition.rules)
    rules["results"] = {**rules["results"], "certificates": 1, "organiser": "某某公司工会"}
    await session.execute(
        update(Competition).where(Competition.id == competition.id).values(rules=rules)
    )
    await session.execute(update(Worker).where(Worker.telegram_id == 5).values(language="en"))
    # The team row is stale on purpose: the close must refresh it before reading.
    await session.execute(update(TeamStanding).values(score=0, participants=0))
    await session.commit()
    session.expunge_all()
    return await session.get(Competition, competition.id)


async def _rows(session: AsyncSession, chat_id: int) -> list[OutboxMessage]:
    found = await session.execute(
        select(OutboxMessage)
        .where(OutboxMessage.chat_id == chat_id)
        .order_by(OutboxMessage.id)
        .execution_options(populate_existing=True)
    )
    return list(found.scalars())


async def test_every_participant_gets_their_result_review_and_pictures_once(
    session: AsyncSession,
    ctx: JobContext,
    clock: MovableClock,
    bot: Bot,
    api: FakeTelegram,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    competition = await _closed_season(session, clock)
    clock.set(competition.ends_at + timedelta(seconds=30))
    fired = {f.key: f.outcome for f in await run_due_jobs(ctx)}
    assert fired[f"results:{competition.id}"] == "queued:7"
    assert await run_due_jobs(ctx) == []  # a second tick queues nothing again

    wang = await _rows(session, 1)  # 王芳: tied first, all right
    assert [r.kind for r in wang] == ["text", "certificate", "card"]
    assert "并列第 1 名（共 7 人）" in wang[0].text
    assert "团队「一车间·甲班」：第 1 名（共 3 个团队）" in wang[0].text  # refreshed: 31 points
    assert "全部答对" in wang[0].text
    award = json.loads(wang[1].payload)
    assert (award["name"], award["rank"], award["tied"], award["organiser"]) == (
        "王芳", 1, True, "某某公司工会",
    )  # fmt: skip
    assert award["day"] == "2026-09-01" and award["team"] == "一车间·甲班"

    li = await _rows(session, 2)  # 李强: third, no certificate
    assert [r.kind for r in li] == ["text", "card"]

    sun = await _rows(session, 5)  # 孙丽 reads English; a wrong 多选 and a late 填空
    assert [r.kind for r in sun] == ["text", "text", "card"]
    assert "Place: 6 of 7" in sun[0].text and "Score: 7 points" in sun[0].text
    review = sun[1].text
    assert "review of your mistakes (2)" in review
    assert "(wrong)" in review and "none in time" in review and "Correct answer: 9" in review

    zhao = await _rows(session, 4)  # 赵磊: a 多选 partly right is not "wrong"
    assert "（部分正确）" in zhao[1].text and "（错误）" in zhao[1].text

    while (await deliver_due(session_factory, bot, clock=clock)).handled:
        pass
    statuses = (await session.execute(select(OutboxMessage.status))).scalars().all()
    assert set(statuses) == {OutboxStatus.SENT}
    photos = api.sent("sendPhoto", chat_id=1)
    assert len(photos) == 2  # the certificate and the card, drawn when sent
    picture = Image.open(io.BytesIO(next(iter(photos[0].files.values()))))
    assert picture.size == (1754, 1240)
    assert [r.method for r in api.sent(chat_id=5)] == ["sendMessage", "sendMessage", "sendPhoto"]


async def test_a_picture_that_cannot_be_drawn_fails_alone(
    session: AsyncSession,
    ctx: JobContext,
    clock: MovableClock,
    bot: Bot,
    api: FakeTelegram,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    competition = await _closed_season(session, clock)
    clock.set(competition.ends_at + timedelta(seconds=30))
    await run_due_jobs(ctx)
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.kind == "card").values(payload=b"{broken")
    )
    await session.commit()
    while (await deliver_due(session_factory, bot, clock=clock)).handled:
        pass
    rows = (await session.execute(select(OutboxMessage.kind, OutboxMessage.status))).all()
    assert {status for kind, status in rows if kind == "card"} == {OutboxStatus.FAILED}
    assert {status for kind, status in rows if kind != "card"} == {OutboxStatus.SENT}


def test_certificates_fit_long_chinese_names_and_titles() -> None:
    competition = Competition(
        id=1,
        name="2026年全国质量月“质量强国 匠心筑梦”集团公司第三届职工质量知识竞赛暨技能比武活动",
        starts_at=datetime(2026, 9, 1, tzinfo=UTC),
        ends_at=datetime(2026, 9, 30, 10, tzinfo=UTC),
        rules={"composition": [{"type": "single", "count": 1}]},
    )
    final = FinalResults(1, competition.name, "Asia/Shanghai", ScoreStyle(), True, [], [])
    for name in ("欧阳娜娜娜娜欧阳娜娜娜娜欧阳娜娜娜娜欧阳", "司马相如"):
        result = FinalResult(
            worker_id=1, telegram_id=1, language="zh", name=name, rank=2, tied=True,
            participants=30, score=96.5, correct_count=19, question_count=20,
            time_used_ms=1000, team_label="第一生产部·二车间·甲班",
        )  # fmt: skip
        data: CertificateData = card_data(competition, final, result, "zh")
        assert data.day == date(2026, 9, 30) and data.organiser == "竞赛组委会"
        for layout in (certificate_layout, participation_layout):
            drawn = layout(data)
            assert_texts_fit_and_do_not_overlap(drawn)
            assert "".join(texts(drawn, "name")) == name


async def test_scores_can_read_as_a_share_of_full_marks(
    session: AsyncSession, ctx: JobContext, clock: MovableClock
) -> None:
    season = await _season(session, clock, "sum", score_as="percent")
    competition: Competition = season["competition"]
    board = await load_board(session, competition_id=id_of(competition))
    text = announcement_text(
        competition, board, {}, when=competition.ends_at, final=True, top_n=10, lang="zh"
    )
    assert "5. 赵磊（乙班）  72.7%" in text  # 8 of 11
    assert "1. 一车间·甲班  22 分" in text  # team scores stay in points
    # /rank and the picture read the same way.
    zhao_id = (await session.execute(select(Worker.id).where(Worker.real_name == "赵磊"))).scalar()
    ranked = leaderboard_text(
        await competition_leaderboard(
            session, competition_id=id_of(competition), worker_id=zhao_id
        ),
        "zh",
    )
    assert "5. 赵磊 · 乙班 — 72.7%" in ranked and "第 5 名（共" in ranked
    assert "，72.7%" in ranked and "— 22 分（" in ranked
    picture = board_picture(
        competition, board, {}, when=competition.ends_at, final=True, top_n=10, lang="zh"
    )
    people, teams = lines(picture)
    assert people[4].score == "72.7%" and people[4].percent
    assert teams[0].score == "22" and not teams[0].percent
    assert "72.7%" in texts(picture_layout(picture), "score")
    clock.set(competition.ends_at + timedelta(seconds=30))
    await run_due_jobs(ctx)
    zhao = await _rows(session, 4)
    assert "得分：72.7%" in zhao[0].text
