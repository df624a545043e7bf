"""A plant on DingTalk, Feishu or WeCom alone, without any BOT_TOKEN (in China Telegram needs
a VPN): ``main.py run``'s process — the messenger's bot, the scheduler and the web face — gets the
whole season. The competition opens on time with a notice in the group bound to it, closes at
its end with another, and a worker linked on the app gets their result in private; Telegram's
rows wait unsent, since there is no bot to send them. On WeCom (no bot here) the notices go
to the group robot and the result through the app. Seen at the fakes' HTTP boundary."""

from __future__ import annotations

import asyncio
import socket
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from cli.app import app
from cli.apps_only import run_apps
from config import Settings, load_settings
from contest.admin import web as admin_web
from contest.admin.policy import Actor
from contest.app_groups import MessengerChat
from contest.identities import link_identity
from contest.models import Competition, CompetitionStatus
from contest.rules import load_rules
from scheduler.jobs import results_time
from storage.ids import id_of
from tests.chat.close_kit import all_sent, rows, until
from tests.chat.harness import ADMINS, app_settings
from tests.chat.test_organiser import _group_posts
from tests.conftest import MovableClock
from tests.contest.test_season import _season
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.feishu import FakeFeishu
from tests.fakes.signin_wecom import FakeWeCom
from tests.turns import turn
from tests.web.test_robots import Receivers

GROUP = "group-quality"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _settings(fake: Any, base: str, database_url: str) -> Settings:
    app = app_settings(fake, base)
    return load_settings(
        _env_file=None,
        database_url=database_url,
        web_secret="no-telegram-secret",
        web_host="127.0.0.1",
        web_port=_free_port(),
        messenger_admins=ADMINS,
        scheduler_tick_seconds=0.2,
        **app,
    )


def _private(fake: Any, user: str) -> list[str]:
    """The texts the user's private chat with the app shows."""
    if isinstance(fake, FakeDingTalk):
        return [str(m["param"].get("text", "")) for m in fake.messages_to(user)]
    return [card.text for card in fake.seen(user)]


async def _status(session_factory: async_sessionmaker[AsyncSession], cid: int) -> str:
    async with session_factory() as session:
        competition = await session.get(Competition, cid)
        assert competition is not None
        return competition.status


async def _season_to_open(
    session: AsyncSession, clock: MovableClock, platform: str
) -> tuple[int, datetime, datetime]:
    """The season's competition, scheduled to open in a minute, 王芳 (who took part, tied
    first) linked on ``platform`` as ``wangfang``: (its id, its start, when results go)."""
    season = await _season(session, clock, "sum")
    competition: Competition = season["competition"]
    cid = id_of(competition)
    starts = clock() + timedelta(minutes=1)
    await session.execute(
        update(Competition)
        .where(Competition.id == cid)
        .values(status=CompetitionStatus.SCHEDULED, starts_at=starts)
    )
    wang = season["who"]["王芳"]
    await link_identity(session, platform=platform, external_id="wangfang", worker_id=id_of(wang))
    await session.commit()
    return cid, starts, results_time(competition, load_rules(competition.rules))


async def _telegram_waits(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """No bot: Telegram's rows (the other workers have Telegram ids) wait, never claimed."""
    telegram = await rows(session_factory, channel="telegram")
    assert telegram and {(r.status, r.tries) for r in telegram} == {("pending", 0)}


@pytest.mark.parametrize("platform", ["dingtalk", "feishu"])
async def test_a_plant_without_telegram_gets_its_whole_season(
    platform: str,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
    clock: MovableClock,
) -> None:
    cid, starts, ends = await _season_to_open(session, clock, platform)
    fake: Any = FakeDingTalk() if platform == "dingtalk" else FakeFeishu()
    base = await fake.start()
    fake.add_user("boss", name="质量部长")
    fake.add_user("wangfang", name="王芳")
    settings = _settings(fake, base, database_url)
    assert settings.bot_token is None and settings.messengers == (platform,)
    stop = asyncio.Event()
    running = asyncio.create_task(run_apps(settings, stop=stop, clock=clock, migrate=False))
    try:
        await asyncio.wait_for(fake.connected.wait(), 30)
        # The web face and the ops routes answer on WEB_PORT, in the same process.
        web = f"http://127.0.0.1:{settings.web_port}"
        async with aiohttp.ClientSession() as http:
            for path in ("/healthz", "/quiz"):  # the ops routes and the browser quiz
                async with http.get(web + path) as answer:
                    assert answer.status == 200, path

        # The organiser binds the group to the competition, from inside the group.
        await fake.acked(await fake.say("boss", f"绑定 {cid}", group=GROUP))

        async def bound() -> bool:
            async with session_factory() as s:
                group = (await s.execute(select(MessengerChat))).scalar_one_or_none()
            return group is not None and group.competition_id == cid

        await _poll(bound)

        # Its start: the scheduler opens it and the group is told.
        clock.set(starts + timedelta(seconds=10))
        await until(lambda: any("现已开始" in t for t in _group_posts(fake, GROUP)))
        assert await _status(session_factory, cid) == CompetitionStatus.OPEN

        # Its end: closed, the group told, the linked worker told their place in private.
        clock.set(ends + timedelta(seconds=30))
        await until(lambda: any("已结束" in t for t in _group_posts(fake, GROUP)))
        await until(lambda: any("并列第 1 名" in t for t in _private(fake, "wangfang")))
        assert await _status(session_factory, cid) == CompetitionStatus.CLOSED
        await all_sent(session_factory, f"{platform}_user")
        await all_sent(session_factory, f"{platform}_app")
        await _telegram_waits(session_factory)
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)
        await fake.close()


async def test_a_wecom_plant_gets_notices_in_its_group_robot_and_results_in_the_app(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
    clock: MovableClock,
) -> None:
    """企业微信 has no bot here: its group robot (群机器人) and its self-built app's messages."""
    cid, starts, ends = await _season_to_open(session, clock, "wecom")
    receivers = Receivers()  # the group robot's webhook
    hook = TestServer(receivers.app(), host="127.0.0.1")
    await hook.start_server()
    await turn(
        session,
        admin_web.bind_robot(
            session,
            actor=Actor.operator(),
            competition_id=cid,
            platform="wecom",
            url=f"http://127.0.0.1:{hook.port}/cgi-bin/webhook/send?key=wecom-key",
            secret=None,
            language="zh",
            extra_hosts=frozenset({"127.0.0.1"}),
            clock=clock,
        ),
    )
    await session.commit()
    wecom = FakeWeCom()
    await wecom.start()
    wecom.member("wangfang", name="王芳")
    settings = load_settings(
        _env_file=None,
        database_url=database_url,
        web_secret="no-telegram-secret",
        web_port=0,
        scheduler_tick_seconds=0.2,
        wecom_corp_id=wecom.corp_id,
        wecom_agent_id=wecom.agent_id,
        wecom_secret=wecom.secret,
        wecom_api_base=wecom.url,
    )
    assert settings.messengers == () and settings.app_senders == ("wecom",)
    stop = asyncio.Event()
    running = asyncio.create_task(run_apps(settings, stop=stop, clock=clock, migrate=False))

    def wang_reads() -> list[str]:
        texts = [m for m in wecom.messages if m["to"] == "wangfang" and m["msgtype"] == "text"]
        return [m["text"]["content"] for m in texts]

    def robot_says(words: str) -> bool:
        return any(words in b["markdown"]["content"] for b in receivers.got["wecom"])

    try:
        clock.set(starts + timedelta(seconds=10))
        await until(lambda: robot_says("现已开始"))
        assert await _status(session_factory, cid) == CompetitionStatus.OPEN
        clock.set(ends + timedelta(seconds=30))
        await until(lambda: robot_says("已结束"))
        await until(lambda: any("并列第 1 名" in text for text in wang_reads()))
        assert await _status(session_factory, cid) == CompetitionStatus.CLOSED
        await all_sent(session_factory, "wecom_user")
        await _telegram_waits(session_factory)
        assert receivers.errors == []
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)
        await wecom.stop()
        await hook.close()


async def _poll(condition: Any, within: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await condition():
        if loop.time() > deadline:
            raise TimeoutError("never happened")
        await asyncio.sleep(0.05)


HOOK = "https://quiz.example.cn/hook"


@pytest.mark.parametrize(
    ("args", "env", "words"),
    [
        (["run", "--webhook", HOOK], {"WEB_SECRET": "s"}, "--webhook"),  # Telegram's
        (["run"], {}, "WEB_SECRET"),  # without BOT_TOKEN the only key that signs links
        (["scheduler"], {}, "WEB_SECRET"),
    ],
)
def test_without_telegram_what_cannot_work_is_refused(
    args: list[str], env: dict[str, str], words: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.delenv("WEB_SECRET", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("FEISHU_APP_ID", "cli_x")
    monkeypatch.setenv("FEISHU_APP_SECRET", "secret")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and words in result.output
