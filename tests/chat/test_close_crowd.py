"""A crowd at the close: forty workers of one plant, each linked on DingTalk (an app without
its bot here) and on Feishu (the bot running), are told at once; every one gets their result
exactly once on each platform and the platforms' stated limits hold (DingTalk 20 calls a
second per API, Feishu 50 a second per API and 5 a second to one person)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chat.platforms import run_messengers
from config import load_settings
from contest.identities import link_identity
from storage.ids import id_of
from tests.chat.close_kit import all_sent, close_now
from tests.chat.harness import start_feishu, stop_running
from tests.conftest import MovableClock
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.feishu import FakeFeishu
from tests.web.demo import build_plant, play

CROWD = 40


async def test_forty_workers_are_told_once_on_each_app_within_the_limits(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
    clock: MovableClock,
) -> None:
    plant = await build_plant(
        session,
        clock,
        workers=CROWD,
        composition=[{"type": "true_false", "count": 1}],
        results={"certificates": 0, "participation_cards": False},
    )
    cid = id_of(plant.competition)
    ding, feishu = FakeDingTalk(), FakeFeishu()
    ding_base = await ding.start()
    for i, worker in enumerate(plant.workers):
        await play(session_factory, clock, worker=worker, competition_id=cid, accuracy=1.0)
        ding.add_user(f"d{i}", name=worker.real_name)
        feishu.add_user(f"ou_{i}", name=worker.real_name)
        async with session_factory() as linking:
            wid = id_of(worker)
            await link_identity(linking, platform="dingtalk", external_id=f"d{i}", worker_id=wid)
            await link_identity(linking, platform="feishu", external_id=f"ou_{i}", worker_id=wid)
            await linking.commit()
    bot = await start_feishu(feishu, session_factory, database_url, clock)
    feishu_base = str(feishu.server.make_url("")).rstrip("/") if feishu.server else ""
    settings = load_settings(
        _env_file=None,
        database_url=database_url,
        web_public_url="https://quiz.example.cn",
        web_secret="crowd-secret",
        dingtalk_client_id=ding.client_id,
        dingtalk_client_secret=ding.client_secret,
        dingtalk_api_base=ding_base,
        dingtalk_oapi_base=ding_base,
        feishu_app_id=feishu.app_id,
        feishu_app_secret=feishu.app_secret,
        feishu_api_base=feishu_base,
    )
    stop = asyncio.Event()
    senders = None
    try:
        clock.set(plant.competition.ends_at + timedelta(seconds=30))
        fired = await close_now(settings, session_factory, clock)
        assert fired[f"results:{cid}"] == f"queued:{3 * CROWD}"  # Telegram, DingTalk, Feishu
        # DingTalk's sender alone: Feishu's bot runs already (``bot``).
        alone = settings.model_copy(update={"feishu_app_id": None, "feishu_app_secret": None})
        senders = asyncio.create_task(run_messengers(alone, session_factory, stop))
        sent_ding = await all_sent(session_factory, "dingtalk_user")
        sent_feishu = await all_sent(session_factory, "feishu_user")
        assert len(sent_ding) == len(sent_feishu) == CROWD

        for i in range(CROWD):
            [note] = ding.messages_to(f"d{i}")
            assert note["msgKey"] == "sampleActionCard" and "第 1 名" in note["param"]["text"]
            [card] = feishu.seen(f"ou_{i}")
            assert "第 1 名" in card.text and card.buttons[0][1]["url"].startswith(
                "https://quiz.example.cn/h5/"
            )
        assert ding.busiest_second <= 20
        assert feishu.busiest_second["api"] <= 50 and feishu.busiest_second["receiver"] <= 5
    finally:
        stop.set()
        if senders is not None:
            await senders
        await stop_running(bot)
        await feishu.close()
        await ding.close()
