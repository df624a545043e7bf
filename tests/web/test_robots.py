"""Group robots against local receivers that check each platform's documented payload and
signature: an outbox run delivers a board, a notice and a picture to all three exactly once."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import unquote_plus

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from contest.admin import web as admin_web
from contest.admin.policy import Actor
from contest.errors import ContestError
from contest.outbox import OutboxMessage, enqueue
from contest.robots import bound_targets, dedup_suffix
from scheduler.delivery import dingtalk, feishu
from scheduler.outbox import deliver_due
from scheduler.runner import robot_sender
from tests.turns import turn
from tests.web.demo import build_plant

SECRET = "SEC0123456789abcdef"
BOARD = (
    '<b>🏆 2026 质量月知识竞赛</b>\n1. 张伟（一车间·甲班）10 分\n<a href="https://x.cn/a">详情</a>'
)


class Receivers:
    """One aiohttp server playing 企业微信, 钉钉 and 飞书, each checking what it is sent."""

    def __init__(self) -> None:
        self.got: dict[str, list[dict[str, Any]]] = {"wecom": [], "dingtalk": [], "feishu": []}
        self.errors: list[str] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/cgi-bin/webhook/send", self.wecom)
        app.router.add_post("/robot/send", self.dingtalk)
        app.router.add_post("/open-apis/bot/v2/hook/{hook}", self.feishu)
        return app

    async def wecom(self, request: web.Request) -> web.Response:
        body = await request.json()
        if request.query.get("key") != "wecom-key":
            return web.json_response({"errcode": 93000, "errmsg": "invalid webhook url"})
        if body["msgtype"] == "markdown":
            assert len(body["markdown"]["content"].encode()) <= 4096
        elif body["msgtype"] == "image":
            raw = base64.b64decode(body["image"]["base64"])
            assert hashlib.md5(raw).hexdigest() == body["image"]["md5"]
        else:
            self.errors.append(f"wecom msgtype {body['msgtype']}")
        self.got["wecom"].append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def dingtalk(self, request: web.Request) -> web.Response:
        timestamp, sign = request.query.get("timestamp", ""), request.query.get("sign", "")
        to_sign = f"{timestamp}\n{SECRET}".encode()
        expected = base64.b64encode(hmac.new(SECRET.encode(), to_sign, hashlib.sha256).digest())
        # The query string arrives urlencoded once more than aiohttp decodes it.
        if request.query.get("access_token") != "ding-token" or (
            unquote_plus(sign) != expected.decode() and sign != expected.decode()
        ):
            return web.json_response({"errcode": 310000, "errmsg": "sign not match"})
        body = await request.json()
        assert body["msgtype"] == "markdown" and body["markdown"]["title"]
        self.got["dingtalk"].append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def feishu(self, request: web.Request) -> web.Response:
        body = await request.json()
        key = f"{body.get('timestamp')}\n{SECRET}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        if body.get("sign") != expected:
            return web.json_response({"code": 19021, "msg": "sign match fail", "data": {}})
        assert body["msg_type"] == "post"
        assert body["content"]["post"]["zh_cn"]["content"]
        self.got["feishu"].append(body)
        return web.json_response({"code": 0, "msg": "success", "data": {}})


@pytest.fixture
async def receivers():
    found = Receivers()
    server = TestServer(found.app(), host="127.0.0.1")
    await server.start_server()
    yield found, f"http://127.0.0.1:{server.port}"
    await server.close()


def test_signatures_follow_the_platforms_documents():
    # DingTalk: urlencode(base64(HmacSHA256(key=secret, msg=timestamp + "\n" + secret)))
    digest = hmac.new(b"this is secret", b"1577000000000\nthis is secret", hashlib.sha256).digest()
    assert (
        unquote_plus(dingtalk.sign("this is secret", 1577000000000))
        == base64.b64encode(digest).decode()
    )
    # Feishu: base64(HmacSHA256(key=timestamp + "\n" + secret, msg=empty))
    digest = hmac.new(b"1599360473\ntest-secret", b"", hashlib.sha256).digest()
    assert feishu.sign("test-secret", 1599360473) == base64.b64encode(digest).decode()


async def test_outbox_delivers_to_all_three_robots_exactly_once(
    session, session_factory, clock, receivers, settings, bot
):
    found, base = receivers
    plant = await build_plant(session, clock, workers=1)
    cid = plant.competition.id
    actor = Actor.operator()
    hosts = frozenset({"127.0.0.1"})
    for platform, url, secret in (
        ("wecom", f"{base}/cgi-bin/webhook/send?key=wecom-key", None),
        ("dingtalk", f"{base}/robot/send?access_token=ding-token", SECRET),
        ("feishu", f"{base}/open-apis/bot/v2/hook/abc", SECRET),
    ):
        await turn(
            session,
            admin_web.bind_robot(
                session,
                actor=actor,
                competition_id=cid,
                platform=platform,
                url=url,
                secret=secret,
                language="zh",
                extra_hosts=hosts,
                clock=clock,
            ),
        )
    targets = await bound_targets(session, competition_id=cid)
    assert {t.channel for t in targets} == {"wecom", "dingtalk", "feishu"}
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    for target in targets:
        where = dedup_suffix(target)
        for kind, text, payload in (("photo", "排行榜", png), ("text", BOARD, None)):
            for _ in range(2):  # queued twice: the dedup key keeps one
                await enqueue(session, dedup_key=f"board:{where}:{kind}", chat_id=target.chat_id,
                              channel=target.channel, text=text, kind=kind, payload=payload,
                              clock=clock)  # fmt: skip
    await session.commit()
    public = settings.model_copy(update={"web_public_url": "https://quiz.example.cn"})
    sender = robot_sender(public, clock=clock)
    try:
        report = await deliver_due(session_factory, bot, clock=clock, robots=sender)
        again = await deliver_due(session_factory, bot, clock=clock, robots=sender)
    finally:
        await sender.close()
    assert found.errors == []
    assert report.sent == 6 and again.handled == 0
    assert [b["msgtype"] for b in found.got["wecom"]] == ["image", "markdown"]
    assert "**🏆 2026 质量月知识竞赛**" in found.got["wecom"][1]["markdown"]["content"]
    assert "/screen/" in found.got["wecom"][1]["markdown"]["content"]
    assert len(found.got["dingtalk"]) == 2
    assert (
        "![board](https://quiz.example.cn/robot/picture/"
        in found.got["dingtalk"][0]["markdown"]["text"]
    )
    assert len(found.got["feishu"]) == 2
    rows = (await session.execute(select(OutboxMessage))).scalars().all()
    assert {r.status for r in rows} == {"sent"} and len(rows) == 6


async def test_a_robot_url_elsewhere_is_refused_and_nothing_secret_is_audited(session, clock):
    plant = await build_plant(session, clock, workers=1)
    competition_id = plant.competition.id  # read before the refusal's rollback expires it
    with pytest.raises(ContestError) as refused:
        await turn(
            session,
            admin_web.bind_robot(
                session,
                actor=Actor.operator(),
                competition_id=competition_id,
                platform="wecom",
                url="https://evil.example/cgi-bin/webhook/send?key=k",
                secret=None,
                language="zh",
                extra_hosts=(),
                clock=clock,
            ),
        )
    assert refused.value.code == "robot_bad_url"
    robot = await turn(
        session,
        admin_web.bind_robot(
            session,
            actor=Actor.operator(),
            competition_id=competition_id,
            platform="dingtalk",
            url="https://oapi.dingtalk.com/robot/send?access_token=SECRET-TOKEN",
            secret="SEC-XYZ",
            language="zh",
            extra_hosts=(),
            clock=clock,
        ),
    )
    assert robot.id
    from contest.models import AuditEntry

    audits = (await session.execute(select(AuditEntry))).scalars().all()
    assert all(
        "SECRET-TOKEN" not in str(a.detail) and "SEC-XYZ" not in str(a.detail) for a in audits
    )


async def test_a_robot_over_its_rate_waits_for_a_later_pass(
    session, session_factory, clock, receivers, settings, bot
):
    found, base = receivers
    plant = await build_plant(session, clock, workers=1)
    robot = await turn(
        session,
        admin_web.bind_robot(
            session,
            actor=Actor.operator(),
            competition_id=plant.competition.id,
            platform="wecom",
            url=f"{base}/cgi-bin/webhook/send?key=wecom-key",
            secret=None,
            language="zh",
            extra_hosts={"127.0.0.1"},
            clock=clock,
        ),
    )
    for i in range(25):
        await enqueue(session, dedup_key=f"n{i}", chat_id=int(robot.id), channel="wecom",
                      text=f"第 {i} 条", clock=clock)  # fmt: skip
    await session.commit()
    sender = robot_sender(settings, clock=clock)
    try:
        report = await deliver_due(session_factory, bot, clock=clock, robots=sender)
    finally:
        await sender.close()
    assert report.sent == 20 and report.retrying == 5
    contents = [b["markdown"]["content"] for b in found.got["wecom"]]
    assert contents == [f"第 {i} 条" for i in range(20)]  # in order, 20 a minute
