"""At the close, a worker who took part through DingTalk or Feishu is told in their private
chat with the app: their place, the review of their wrong answers, a button that opens their
result page on the web signed in, and the certificate or participation card as a picture
uploaded to the platform — once, through a throttle and a restart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings, load_settings
from tests.bot.fixtures import add_bank, add_competition
from tests.chat.close_kit import all_sent, close_now, is_png, open_result_link, web_face
from tests.chat.harness import (
    Running,
    app_settings,
    say,
    start_dingtalk,
    start_feishu,
    stop_running,
    tap,
)
from tests.conftest import MovableClock
from tests.fakes.dingtalk import FakeDingTalk


def _settings(fake: Any, database_url: str, public: str) -> Settings:
    base = str(fake.server.make_url("")).rstrip("/")
    app = app_settings(fake, base)
    return load_settings(
        _env_file=None,
        database_url=database_url,
        web_public_url=public,
        web_secret="close-note-secret",
        **app,
    )


def _received(fake: Any, user: str, since: int) -> list[dict[str, Any]]:
    """What the user's private chat shows after the first ``since`` items: texts (with the
    link button's address), pictures (with their uploaded bytes)."""
    if isinstance(fake, FakeDingTalk):
        shown = []
        for m in fake.messages_to(user)[since:]:
            if m["msgKey"] == "sampleImageMsg":
                shown.append({"picture": fake.uploads[m["param"]["photoURL"]]})
            else:
                url = m["param"].get("singleURL")
                shown.append({"text": m["param"]["text"], "url": url})
        return shown
    items: list[tuple[str, dict[str, Any]]] = []
    for card in fake.seen(user):
        url = next((v["url"] for _, v in card.buttons if "url" in v), None)
        items.append((card.message_id, {"text": card.text, "url": url}))
    for image in fake.images:
        if image["to"] == user:
            items.append((image["message_id"], {"picture": fake.uploads[image["image_key"]]}))
    items.sort(key=lambda item: int(item[0].removeprefix("om_")))
    return [shown for _, shown in items][since:]


def _count(fake: Any, user: str) -> int:
    return len(_received(fake, user, 0))


async def test_a_messenger_worker_is_told_at_the_close_once_with_link_and_picture(
    messenger: Running,
    session_factory: async_sessionmaker[AsyncSession],
    database_url: str,
    clock: MovableClock,
) -> None:
    fake = messenger.fake
    async with session_factory() as session:
        await add_bank(session)
        competition = await add_competition(
            session, clock, composition=[{"type": "true_false", "count": 1}]
        )
    cid = int(competition.id or 0)
    fake.add_user("w9", name="职工乙")
    await say(messenger, "w9", "竞赛")
    await tap(messenger, "w9", fake.last("w9"), competition.name[:10])
    await tap(messenger, "w9", fake.last("w9"), "错")  # 1978 is right: a wrong answer
    before = _count(fake, "w9")

    # The web face, where the message's link opens.
    server = await web_face(_settings(fake, database_url, "http://x"), session_factory, clock)
    public = str(server.make_url("")).rstrip("/")
    settings = _settings(fake, database_url, public)
    if isinstance(fake, FakeDingTalk):  # DingTalk is busy: the first sends are refused
        fake.throttle_next("/v1.0/robot/oToMessages/batchSend", 2)
        fake.flow_controlled = 1
    else:
        fake.throttle_next("send", 2)
    throttled = fake.throttled
    try:
        clock.set(competition.ends_at + timedelta(seconds=30))
        fired = await close_now(settings, session_factory, clock)
        assert fired[f"results:{cid}"] == "queued:1"
        sent = await all_sent(session_factory, f"{messenger.runner.platform}_user")
        assert [r.kind for r in sent] == ["text", "text", "certificate", "card"]
        assert fake.throttled >= throttled + 2

        shown = _received(fake, "w9", before)
        assert len(shown) == 4, shown
        result, review, certificate, card = shown
        assert "第 1 名" in result["text"] and "共 1 人" in result["text"]
        assert "正确答案：对" in review["text"] and review["url"] is None
        assert "错题本" in review["text"] and "/mistakes" not in review["text"]
        assert is_png(certificate["picture"]) == (1754, 1240)  # the certificate, landscape A4
        assert is_png(card["picture"]) == (1080, 1350)  # the participation card
        assert result["url"].startswith(f"{public}/h5/")
        mine = await open_result_link(result["url"], cid)
        assert mine["rank"] == 1 and mine["certificate"] and mine["card"]

        # The scheduler ticks again and the app restarts: nothing is sent twice.
        assert await close_now(settings, session_factory, clock) == {}
        await stop_running(messenger)
        start = start_dingtalk if isinstance(fake, FakeDingTalk) else start_feishu
        again = await start(fake, session_factory, database_url, clock)  # type: ignore[arg-type]
        messenger.task, messenger.stop, messenger.runner = again.task, again.stop, again.runner
        await again.runner.outbox.step()
        assert len(_received(fake, "w9", before)) == 4
    finally:
        await server.close()
