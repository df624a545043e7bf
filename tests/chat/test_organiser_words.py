"""An organiser's 开始 on DingTalk or Feishu, refused because the bank cannot fill the paper,
reads in words (组卷第 1 行：…), never as a field path (#23)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contest.models import Competition, CompetitionStatus
from tests.bot.fixtures import add_bank, add_competition
from tests.chat.harness import Running, say
from tests.conftest import MovableClock


async def test_open_refused_for_a_short_bank_says_which_line_and_why(
    messenger: Running, session_factory: async_sessionmaker[AsyncSession], clock: MovableClock
) -> None:
    async with session_factory() as session:
        await add_bank(session)
        competition = await add_competition(
            session, clock, composition=[{"type": "single", "count": 50}]
        )
        competition.status = CompetitionStatus.SCHEDULED
        await session.commit()
    messenger.fake.add_user("boss", name="质量部长")
    await say(messenger, "boss", f"开始 {competition.id}")
    said = messenger.fake.last("boss").text
    assert "组卷第 1 行：每份试卷需要 50 道单选题，但所选题目只能保证" in said
    assert "rules" not in said
    async with session_factory() as session:
        unchanged = await session.get(Competition, competition.id)
        assert unchanged is not None and unchanged.status == CompetitionStatus.SCHEDULED
