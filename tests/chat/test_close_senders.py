"""The close's personal messages through an enterprise app that has no bot here: 钉钉's app
set up for the browser sign-in only (no card template: the robot's private messages need
none) and 企业微信's self-built app (应用消息). Every worker linked on an app gets their place
(并列 stated), their team's place, the review, a signed link to their result page and the
certificate or card, in their language, once per channel — beside Telegram for a worker who
has both — and no row is queued for an app nobody configured."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chat.dingtalk.api import DingTalkApi
from chat.platforms import run_messengers
from config import load_settings
from contest.identities import link_identity
from contest.models import Worker
from storage.ids import id_of
from tests.chat.close_kit import all_sent, close_now, is_png, open_result_link, rows, web_face
from tests.conftest import MovableClock
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.signin_wecom import FakeWeCom
from tests.scheduler.test_results import _closed_season


async def test_sign_in_only_apps_tell_each_linked_worker_once_on_each_channel(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
    clock: MovableClock,
) -> None:
    competition = await _closed_season(session, clock)
    cid = id_of(competition)
    who = {w.real_name: w for w in (await session.execute(select(Worker))).scalars()}
    wang, zhou, sun, li = who["王芳"], who["周杰"], who["孙丽"], who["李强"]
    # 周杰 has no Telegram: he signed in from DingTalk's in-app browser.
    await session.execute(update(Worker).where(Worker.id == zhou.id).values(telegram_id=None))
    for platform, account, worker in (
        ("dingtalk", "wangfang", wang),
        ("wecom", "WangFang", wang),
        ("dingtalk", "zhoujie", zhou),
        ("wecom", "SunLi", sun),  # English
        ("feishu", "ou_liqiang", li),  # no Feishu app configured: nothing for it
    ):
        await link_identity(
            session, platform=platform, external_id=account, worker_id=id_of(worker)
        )
    await session.commit()

    ding, wecom = FakeDingTalk(), FakeWeCom()
    ding_base = await ding.start()
    await wecom.start()
    for user in ("wangfang", "zhoujie"):
        ding.add_user(user, name=user)
    for member in ("WangFang", "SunLi"):
        wecom.member(member, name=member)
    web = None
    stop = asyncio.Event()
    try:
        base = {
            "_env_file": None,
            "database_url": database_url,
            "web_secret": "close-sender-secret",
            "dingtalk_client_id": ding.client_id,
            "dingtalk_client_secret": ding.client_secret,
            "dingtalk_api_base": ding_base,
            "dingtalk_oapi_base": ding_base,
            "wecom_corp_id": wecom.corp_id,
            "wecom_agent_id": wecom.agent_id,
            "wecom_secret": wecom.secret,
            "wecom_api_base": wecom.url,
        }
        web = await web_face(load_settings(**base), session_factory, clock)
        public = str(web.make_url("")).rstrip("/")
        settings = load_settings(**base, web_public_url=public)
        assert settings.messengers == () and settings.app_senders == ("dingtalk", "wecom")

        ding.throttle_next("/v1.0/robot/oToMessages/batchSend")  # both platforms are busy
        ding.throttle_next("/media/upload")
        wecom.throttle_sends = 2
        clock.set(competition.ends_at + timedelta(seconds=30))
        fired = await close_now(settings, session_factory, clock)
        assert fired[f"results:{cid}"] == "queued:10"  # 6 Telegram, 2 DingTalk, 2 WeCom
        assert not [r for r in await rows(session_factory) if r.channel == "feishu_user"]
        telegram = {r.chat_id for r in await rows(session_factory, channel="telegram")}
        assert int(wang.telegram_id or 0) in telegram and len(telegram) == 6

        senders = asyncio.create_task(run_messengers(settings, session_factory, stop))
        await all_sent(session_factory, "dingtalk_user")
        await all_sent(session_factory, "wecom_user")

        # DingTalk: the robot's private messages, one userId a message, ≤ 20 a call.
        assert ding.throttled >= 2
        zhou_says = ding.messages_to("zhoujie")
        assert [m["msgKey"] for m in zhou_says] == [  # all right: no review
            "sampleActionCard",
            "sampleImageMsg",
            "sampleImageMsg",
        ]
        note = zhou_says[0]["param"]
        assert "并列第 1 名" in note["text"] and "二车间·甲班" in note["text"]
        assert note["singleTitle"] == "📊 查看我的成绩、错题回顾和证书"
        assert "<b>" not in note["text"] and "  \n" in note["text"]
        mine = await open_result_link(note["singleURL"], cid)
        assert mine["rank"] == 1 and mine["tied"] is True and mine["certificate"]
        assert is_png(ding.uploads[zhou_says[1]["param"]["photoURL"]]) == (1754, 1240)
        assert len(ding.messages_to("wangfang")) == len(zhou_says)

        # WeCom: texts with the link as <a href>, pictures by media_id, none dropped.
        assert wecom.dropped == 0
        sun_sees = [m for m in wecom.messages if m["to"] == "SunLi"]
        kinds = [m["msgtype"] for m in sun_sees]
        assert kinds[0] == "text" and kinds[-1] == "image" and "image" not in kinds[:2]
        texts = [m["text"]["content"] for m in sun_sees if m["msgtype"] == "text"]
        assert "Correct answer" in texts[1]  # her review, in English
        assert "mistake book" in texts[-1] and not any("/mistakes" in t for t in texts)
        first = sun_sees[0]["text"]["content"]
        assert "place" in first.lower() and "My result, review and certificate</a>" in first
        link = first.split('<a href="')[1].split('"')[0].replace("&amp;", "&")
        assert (await open_result_link(link, cid))["rank"] == 6  # test_season's INDIVIDUALS
        images = [m["image"]["media_id"] for m in sun_sees if m["msgtype"] == "image"]
        assert all(is_png(wecom.uploads[media]) == (1080, 1350) for media in images)
        wang_sees = [m for m in wecom.messages if m["to"] == "WangFang"]
        assert "并列第 1 名" in wang_sees[0]["text"]["content"]
        assert len([m for m in wang_sees if m["msgtype"] == "image"]) == 2  # certificate, card

        # Again: the scheduler's next tick and a restart of the senders add nothing.
        stop.set()
        await senders
        counts = (len(ding.private_messages), len(wecom.messages))
        assert await close_now(settings, session_factory, clock) == {}
        stop = asyncio.Event()
        senders = asyncio.create_task(run_messengers(settings, session_factory, stop))
        await asyncio.sleep(0.5)
        assert (len(ding.private_messages), len(wecom.messages)) == counts
        stop.set()
        await senders
    finally:
        stop.set()
        if web is not None:
            await web.close()
        await ding.close()
        await wecom.stop()


async def test_dingtalk_sends_at_most_twenty_users_a_call() -> None:
    fake = FakeDingTalk()
    base = await fake.start()
    users = [f"u{i}" for i in range(45)]
    for user in users:
        fake.add_user(user, name=user)
    api = DingTalkApi(
        client_id=fake.client_id,
        client_secret=fake.client_secret,
        api_base=base,
        oapi_base=base,
        pause=0.01,
    )
    fake.flow_controlled = 1  # the first call's users are held back, then sent again
    try:
        param = {"title": "成绩", "text": "第 1 名"}
        await api.send_users(user_ids=users, msg_key="sampleMarkdown", param=param)
    finally:
        await api.close()
        await fake.close()
    assert sorted(m["to"] for m in fake.private_messages) == sorted(users)
