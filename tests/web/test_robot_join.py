"""A group robot with no enterprise app behind it cannot be messaged privately, so its board
and its "competition open" notice never say /quiz: they link the browser roster sign-in
(``/join/<id>``) when the web has a public address and /web_login is on, else they tell the
group to ask the organiser. Checked at the robots' HTTP receivers, in zh and en."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from contest.admin import web as admin_web
from contest.admin.policy import Actor
from scheduler.announce import prepare_announcement
from scheduler.context import JobContext
from scheduler.jobs import Job, JobKind
from scheduler.notices import prepare_chat_notice
from scheduler.outbox import deliver_due
from scheduler.runner import robot_sender
from tests.turns import turn
from tests.web.demo import build_plant
from tests.web.test_robots import SECRET, Receivers, receivers  # noqa: F401 (the fixture)

PUBLIC = "https://qq.example.cn"
ROBOTS = (  # platform, path, secret, language
    ("wecom", "/cgi-bin/webhook/send?key=wecom-key", None, "zh"),
    ("dingtalk", "/robot/send?access_token=ding-token", SECRET, "en"),
    ("feishu", "/open-apis/bot/v2/hook/abc", SECRET, "zh"),
)


def _texts(found: Receivers) -> dict[str, str]:
    """What each robot's group reads, as one string per platform (links as [text](href))."""
    feishu = [
        "".join(f"[{p['text']}]({p['href']})" if p["tag"] == "a" else p["text"] for p in line)
        for body in found.got["feishu"]
        for line in body["content"]["post"]["zh_cn"]["content"]
    ]
    return {
        "wecom": "\n".join(
            b["markdown"]["content"] for b in found.got["wecom"] if b["msgtype"] == "markdown"
        ),
        "dingtalk": "\n".join(b["markdown"]["text"] for b in found.got["dingtalk"]),
        "feishu": "\n".join(feishu),
    }


async def _run(ctx: JobContext, cid: int, when: Any, bot: Any, base: str) -> None:
    for kind in (JobKind.OPEN, JobKind.ANNOUNCE):
        job = Job(f"{kind.value}:{cid}", kind, None, "Asia/Shanghai", "", cid)
        prepare = prepare_chat_notice if kind is JobKind.OPEN else prepare_announcement
        apply = await prepare(ctx, job, when)
        assert apply is not None
        async with ctx.session_factory.begin() as writing:
            await apply(writing)
    sender = robot_sender(ctx.settings, clock=ctx.clock)
    try:
        await deliver_due(ctx.session_factory, bot, clock=ctx.clock, robots=sender)
    finally:
        await sender.close()


async def test_robots_link_the_browser_door_or_send_people_to_the_organiser(
    session,
    session_factory,
    clock,
    receivers,  # noqa: F811
    settings,
    bot,
):
    found, base = receivers
    plant = await build_plant(session, clock, workers=1)
    cid = plant.competition.id
    for platform, path, secret, language in ROBOTS:
        await turn(
            session,
            admin_web.bind_robot(
                session,
                actor=Actor.operator(),
                competition_id=cid,
                platform=platform,
                url=f"{base}{path}",
                secret=secret,
                language=language,
                extra_hosts=frozenset({"127.0.0.1"}),
                clock=clock,
            ),
        )
    await session.commit()
    door = f"{PUBLIC}/join/{cid}"
    ask = {"zh": "参加方式：请向组织者索取答题链接。", "en": "ask the organiser for the quiz link"}
    for step, (public, roster) in enumerate(
        ((None, False), (PUBLIC, False), (None, True), (PUBLIC + "/", True))
    ):
        await turn(
            session,
            admin_web.set_roster_login(
                session, actor=Actor.operator(), competition_id=cid, enabled=roster, clock=clock
            ),
        )
        await session.commit()
        for got in found.got.values():
            got.clear()
        ctx = JobContext(
            settings.model_copy(update={"web_public_url": public}), session_factory, clock
        )
        await _run(ctx, cid, clock() + timedelta(minutes=step), bot, base)
        assert found.errors == []
        texts = _texts(found)
        for platform, _, _, language in ROBOTS:
            text = texts[platform]
            assert text.count("🏆") >= 1 and text.count("📣") == 1, (step, platform, text)
            assert "/quiz" not in text and "私聊" not in text and "Message the bot" not in text
            if public and roster:
                words = "在浏览器中参加：" if language == "zh" else "Take part in the browser: "
                # the open notice and the board each end with the door, a markdown link
                assert text.count(f"{words}[{door}]({door})") == 2, (platform, text)
            else:
                assert text.count(ask[language]) == 2, (step, platform, text)
                assert "/join/" not in text


async def test_a_robot_with_its_app_set_up_keeps_the_in_messenger_sign_in(
    session,
    session_factory,
    clock,
    receivers,  # noqa: F811
    settings,
    bot,
):
    found, base = receivers
    plant = await build_plant(session, clock, workers=1)
    cid = plant.competition.id
    await turn(
        session,
        admin_web.bind_robot(
            session,
            actor=Actor.operator(),
            competition_id=cid,
            platform="dingtalk",
            url=f"{base}/robot/send?access_token=ding-token",
            secret=SECRET,
            language="zh",
            extra_hosts=frozenset({"127.0.0.1"}),
            clock=clock,
        ),
    )
    await session.commit()
    ready = settings.model_copy(
        update={
            "web_public_url": PUBLIC,
            "dingtalk_client_id": "ding-id",
            "dingtalk_client_secret": "ding-secret",
        }
    )
    await _run(JobContext(ready, session_factory, clock), cid, clock(), bot, base)
    text = _texts(found)["dingtalk"]
    assert text.count(f"[去答题]({PUBLIC}/join/{cid}/dingtalk)") == 2
    assert "/quiz" not in text and "在浏览器中参加" not in text
