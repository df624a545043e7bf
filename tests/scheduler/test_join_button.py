"""A Telegram group's announcement ends in a 去答题 button that opens the private chat on
the competition (``t.me/<bot>?start=quiz-<id>``); a group robot, which has no button, reads
how to take part in words."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from contest.offers import competition_of_payload
from contest.outbox import OutboxMessage
from scheduler.announce import announcement_text, load_board
from scheduler.join_links import how_to_join
from scheduler.runner import SchedulerRunner
from tests.conftest import MovableClock
from tests.fakes.telegram import BOT_USERNAME, FakeTelegram
from tests.scheduler.conftest import GROUP, make_competition

SIX_PM = datetime(2026, 9, 2, 10, 0, tzinfo=UTC)


async def test_the_group_announcement_carries_a_deep_link_button(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    bot: Bot,
    api: FakeTelegram,
    clock: MovableClock,
) -> None:
    competition = await make_competition(session)
    clock.set(SIX_PM)
    runner = SchedulerRunner(
        settings=settings, session_factory=session_factory, bot=bot, clock=clock, holder="a"
    )
    await runner.step()
    [text] = api.sent("sendMessage", chat_id=GROUP)
    assert "私聊机器人发送 /quiz" not in text.text
    [[button]] = text.keyboard
    payload = f"quiz-{competition.id}"
    assert button == {"text": "去答题", "url": f"https://t.me/{BOT_USERNAME}?start={payload}"}
    assert competition_of_payload(payload) == competition.id
    async with session_factory() as s:
        row = (await s.execute(select(OutboxMessage).where(OutboxMessage.kind == "text"))).scalar()
    assert row is not None and row.status == "sent"


async def test_words_stay_where_there_is_no_button(
    session: AsyncSession, clock: MovableClock
) -> None:
    competition = await make_competition(session)
    board = await load_board(session, competition_id=competition.id)
    kwargs = {"when": SIX_PM, "final": False, "top_n": 10, "lang": "zh"}
    assert "私聊机器人发送 /quiz 参加竞赛。" in announcement_text(competition, board, {}, **kwargs)
    assert "私聊机器人" not in announcement_text(competition, board, {}, join=False, **kwargs)


def test_only_a_competition_payload_is_read_as_one() -> None:
    assert competition_of_payload("quiz-12") == 12
    for other in ("quiz", "TEAM01", "quiz-", "quiz-1x", "quiz-²", "quiz-" + "9" * 11):
        assert competition_of_payload(other) is None


def test_messenger_groups_get_the_in_app_sign_in_when_it_can_work(settings: Settings) -> None:
    ready = settings.model_copy(
        update={
            "web_public_url": "https://quiz.example.com",
            "dingtalk_client_id": "ding-id",
            "dingtalk_client_secret": "ding-secret",
        }
    )
    url = "https://quiz.example.com/join/7/dingtalk"
    kwargs = {"competition_id": 7, "lang": "zh"}
    assert how_to_join(ready, channel="dingtalk_app", **kwargs) == (
        None,
        [[{"text": "去答题", "url": url}]],
    )
    assert how_to_join(ready, channel="dingtalk", **kwargs) == (f'<a href="{url}">去答题</a>', None)
    words = ("私聊机器人发送 /quiz 参加竞赛。", None)
    assert how_to_join(ready, channel="feishu_app", **kwargs) == words  # Feishu not set up
    assert how_to_join(settings, channel="dingtalk_app", **kwargs) == words  # no public URL
    line, buttons = how_to_join(settings, channel="telegram", **kwargs)
    assert line is None and buttons == [[{"text": "去答题", "start": "quiz-7"}]]
