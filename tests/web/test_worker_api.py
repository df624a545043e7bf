"""A browser worker's home, result at the close, pictures, 错题本 and profile, through real
HTTP: each answer is the worker's own, scoped to what their session was issued for, and
refused with a translated message until the results are final."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from contest.admin import web as admin_web
from contest.admin.policy import Actor
from contest.final import settle
from contest.models import Competition, CompetitionStatus, Worker
from contest.outbox import OutboxMessage
from contest.rules import load_rules
from scheduler.context import JobContext
from scheduler.delivery.markup import to_markdown
from scheduler.jobs import Job, JobKind
from scheduler.notices import prepare_chat_notice
from tests.turns import turn
from tests.web.api_kit import refused, sign_in_by_link
from tests.web.conftest import WebServer
from tests.web.demo import build_plant, play
from tests.web.signin_kit import browser_client
from web.results import card_token

PNG = b"\x89PNG\r\n\x1a\n"


async def _close(session, clock, competition: Competition) -> None:
    """What the scheduler does at the close: the status, then the settled team standings."""
    clock.set(competition.ends_at + timedelta(minutes=1))
    competition.status = CompetitionStatus.CLOSED
    await session.commit()
    await turn(session, settle(session, competition_id=competition.id, clock=clock))


async def test_results_at_the_close_are_the_workers_own_with_ties_review_and_pictures(
    web_server: WebServer, session, clock, session_factory
) -> None:
    plant = await build_plant(session, clock, workers=4)
    competition, url = plant.competition, web_server.url
    # Two workers answer everything wrong (same score, same time): they share 2nd place.
    for worker, accuracy in zip(plant.workers[:3], (0.0, 0.0, 1.0), strict=True):
        await play(
            session_factory,
            clock,
            worker=worker,
            competition_id=competition.id,
            accuracy=accuracy,
        )
    async with browser_client() as a, browser_client() as c:
        await sign_in_by_link(web_server, plant, a, 0)
        home = await (await a.get(f"{url}/api/home")).json()
        [offer] = home["competitions"]
        assert offer["id"] == competition.id and offer["attempts_left"] == 0
        assert offer["ends_local"] == "09-01 11:35"  # Asia/Shanghai, not UTC
        assert home["closed"] == [] and home["active"] is None
        assert home["mistakes"] == 0  # a running contest's mistakes wait for its close
        [waiting] = home["mistakes_waiting"]
        assert waiting.endswith("的错题将在竞赛结束后加入错题本（9月1日 11:35）。")
        assert competition.name in waiting and "<b>" not in waiting
        message = await refused(
            await a.get(f"{url}/api/results/{competition.id}"), 409, "results_not_yet"
        )
        assert "2026-09-01 11:35" in message and "公布" in message
        await _close(session, clock, competition)

        body = await (await a.get(f"{url}/api/results/{competition.id}")).json()
        assert body["rank"] == 2 and body["tied"] is True and body["participants"] == 3
        assert body["team"]["label"] and body["review_allowed"] is True
        assert body["review"] and all(item["answer"] for item in body["review"])
        assert body["correct_count"] == 0 and body["question_count"] == len(body["review"]) == 5
        assert any(item["explanation"] for item in body["review"])
        picture = await a.get(url + body["certificate"])
        assert picture.status == 200 and picture.content_type == "image/png"
        assert (await picture.read()).startswith(PNG)
        card = await a.get(url + body["card"])
        assert card.status == 200 and (await card.read()).startswith(PNG)
        home = await (await a.get(f"{url}/api/home")).json()
        [ended] = home["closed"]
        assert ended["ready"] and ended["rank"] == 2 and ended["tied"] is True
        assert home["mistakes"] == 5 and home["mistakes_waiting"] == []

        # Someone who did not take part has no result; a forged picture address is refused.
        await sign_in_by_link(web_server, plant, c, 3)
        await refused(await c.get(f"{url}/api/results/{competition.id}"), 409, "no_result")
        forged = body["certificate"].replace(f"/{plant.workers[0].id}.", f"/{plant.workers[3].id}.")
        assert (await c.get(url + forged)).status == 404
        # A certificate is for a place: the 4th worker's signed address draws nothing.
        token = card_token(
            web_server.settings.web_key,
            worker_id=plant.workers[3].id,
            competition_id=competition.id,
            kind="certificate",
            lang="zh",
        )
        await refused(await c.get(f"{url}/api/card/{token}.png"), 404, "not_found")
        # A session issued for this competition does not read another one's results.
        await refused(await c.get(f"{url}/api/results/{competition.id + 1}"), 403, "not_in_scope")


async def test_show_answers_never_keeps_the_review_closed_after_the_close(
    web_server: WebServer, session, clock, session_factory
) -> None:
    plant = await build_plant(session, clock, workers=2, feedback={"show_answers": "never"})
    competition = plant.competition
    await play(
        session_factory,
        clock,
        worker=plant.workers[0],
        competition_id=competition.id,
        accuracy=0.4,
        seed=3,
    )
    await _close(session, clock, competition)
    assert load_rules(competition.rules).feedback.show_answers == "never"
    async with browser_client() as a:
        await sign_in_by_link(web_server, plant, a, 0)
        body = await (await a.get(f"{web_server.url}/api/results/{competition.id}")).json()
        assert body["review_allowed"] is False and body["review"] == []
        assert body["rank"] == 1 and body["tied"] is False
        home = await (await a.get(f"{web_server.url}/api/home")).json()
        assert home["mistakes"] == 0  # nothing to rehearse from a paper that stays secret


async def test_practice_streak_mistakes_round_and_language_switch(
    web_server: WebServer, session, clock, session_factory
) -> None:
    plant = await build_plant(session, clock, workers=2)
    url, worker = web_server.url, plant.workers[0]
    async with browser_client() as a:
        headers = await sign_in_by_link(web_server, plant, a, 0)
        empty_book = await a.post(
            f"{url}/api/start", json={"practice": True, "mistakes": True}, headers=headers
        )
        await refused(empty_book, 409, "no_mistakes")
        first = await (
            await a.post(f"{url}/api/start", json={"practice": True}, headers=headers)
        ).json()
        answer = {"attempt_id": first["attempt_id"], "position": 0, "response": [0]}
        if first["qtype"] in ("single", "true_false"):
            answer["response"] = 0
        elif first["qtype"] == "blank":
            answer["response"] = ["不知道"]
        assert (await a.post(f"{url}/api/answer", json=answer, headers=headers)).status == 200
        home = await (await a.get(f"{url}/api/home")).json()
        assert home["practice"]["streak"] == 1 and home["practice"]["today"] == 1
        assert home["active"]["kind"] == "practice"

        profile = await (await a.get(f"{url}/api/profile")).json()
        assert profile["employee_no"] == worker.employee_no and profile["team"]
        assert profile["language"] == "zh"
        bad = await a.post(f"{url}/api/profile/language", json={"language": "fr"}, headers=headers)
        assert "不支持" in await refused(bad, 409, "bad_language")
        switched = await a.post(
            f"{url}/api/profile/language", json={"language": "en"}, headers=headers
        )
        assert (await switched.json())["language"] == "en"
        stored = await session.scalar(
            select(Worker.language)
            .where(Worker.id == worker.id)
            .execution_options(populate_existing=True)
        )
        assert stored == "en"
        home = await (await a.get(f"{url}/api/home")).json()
        assert home["lang"] == "en"
        # Without the page's CSRF token a language switch is refused and changes nothing.
        await refused(
            await a.post(f"{url}/api/profile/language", json={"language": "zh"}), 403, "forbidden"
        )
        english = await a.get(f"{url}/api/results/{plant.competition.id}")
        assert "Results will be published" in await refused(english, 409, "results_not_yet")


async def test_the_results_link_signs_in_first_and_refuses_without_a_session(
    web_server: WebServer, session, clock
) -> None:
    plant = await build_plant(session, clock, workers=1)
    cid, url = plant.competition.id, web_server.url
    async with browser_client() as anonymous:
        to_sign_in = await anonymous.get(f"{url}/quiz/results/{cid}", allow_redirects=False)
        assert to_sign_in.status == 303 and to_sign_in.headers["Location"] == f"/join/{cid}"
        await refused(await anonymous.get(f"{url}/api/results/{cid}"), 401, "not_signed_in")
        await refused(await anonymous.get(f"{url}/api/home"), 401, "not_signed_in")
    async with browser_client() as a:
        await sign_in_by_link(web_server, plant, a, 0)
        mine = await a.get(f"{url}/quiz/results/{cid}", allow_redirects=False)
        assert mine.headers["Location"] == f"/quiz?c={cid}&results=1"
        elsewhere = await a.get(f"{url}/quiz/results/{cid + 1}", allow_redirects=False)
        assert elsewhere.headers["Location"] == f"/join/{cid + 1}"
        assert (await a.get(f"{url}/quiz/results/x1", allow_redirects=False)).status == 404


async def test_the_group_robots_close_notice_links_to_the_results(
    session, session_factory, clock, settings
) -> None:
    plant = await build_plant(session, clock, workers=1)
    cid = plant.competition.id
    await turn(
        session,
        admin_web.bind_robot(
            session,
            actor=Actor.operator(),
            competition_id=cid,
            platform="dingtalk",
            url="http://127.0.0.1:9/robot/send?access_token=ding-token",
            secret=None,
            language="zh",
            extra_hosts=frozenset({"127.0.0.1"}),
            clock=clock,
        ),
    )
    await session.commit()
    job = Job(f"close:{cid}", JobKind.CLOSE, None, "Asia/Shanghai", "", cid)
    for public in (None, "https://quiz.example.cn/"):
        ctx = JobContext(
            settings.model_copy(update={"web_public_url": public}), session_factory, clock
        )
        apply = await prepare_chat_notice(ctx, job, clock())
        assert apply is not None
        async with session_factory() as writing:
            await apply(writing)
            await writing.commit()
        row = (
            await session.execute(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1))
        ).scalar_one()
        if public is None:
            assert "href" not in row.text
            await session.delete(row)  # the same dedup key is queued again below
            await session.commit()
        else:
            link = f"https://quiz.example.cn/quiz/results/{cid}"
            assert row.channel == "dingtalk" and f'<a href="{link}">' in row.text
            assert f"[📊 查看我的成绩、错题回顾和证书]({link})" in to_markdown(row.text)
