"""The live final in the chat: an organiser's host panel (one tap per action, the message
edited in place), a player's buzzer button, the organiser commands, and refusals."""

from __future__ import annotations

import copy

from sqlalchemy import select

from contest.live.models import LiveFinal, LiveTeam
from contest.models import Worker
from tests.contest.live.fixtures import build_final, segment


def _answers(requests):
    return [r.params.get("text", "") for r in requests if r.method == "answerCallbackQuery"]


async def test_the_host_panel_runs_a_question_and_a_player_buzzes_from_chat(
    admin_chat, worker_chat, session_factory, clock
):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    team = setup.teams[0]
    async with session_factory() as session:
        player = await session.get(Worker, setup.workers[team.id][0])
        player.telegram_id = worker_chat.user["id"]
        player.registered_at = clock()
        await session.commit()
    await admin_chat.send(f"/live {setup.final_id}")
    assert "质量知识竞赛决赛" in admin_chat.last_bot_message()["text"]
    panel = copy.deepcopy(admin_chat.last_keyboard_message())
    await admin_chat.press("下一题", panel)
    assert "请听题" in admin_chat.last_bot_message()["text"]
    double = await admin_chat.press("下一题", panel)  # the same, older panel: a double tap
    assert "连按了两次" in _answers(double)[0]
    assert "第 1/5 题" in admin_chat.last_bot_message()["text"]
    await admin_chat.press("开始")
    await worker_chat.send("/buzz")
    assert "抢答器" in worker_chat.last_bot_message()["text"]
    pressed = await worker_chat.press("抢答")
    assert _answers(pressed) == ["抢到了！请作答"]
    again = await worker_chat.press("抢答")
    assert _answers(again) == ["抢到了！请作答"]  # a double tap counts once
    await admin_chat.press("刷新")
    assert f"1. {team.name}" in admin_chat.last_bot_message()["text"]
    await admin_chat.press("正确")
    panel = admin_chat.last_bot_message()["text"]
    assert f"{team.seat}. {team.name}  <b>110</b> (+10)" in panel and "[正确]" in panel
    async with session_factory() as session:
        assert (await session.get(LiveTeam, team.id)).score == 110
    sent = await admin_chat.send(f"/live_export {setup.final_id}")
    documents = [r for r in sent if r.method == "sendDocument"]
    assert len(documents) == 1 and documents[0].files


async def test_organiser_commands_create_adjust_and_edit_rules(
    admin_chat, worker_chat, session_factory, clock
):
    setup = await build_final(session_factory, clock, segments=[segment("buzzer")])
    team_ids = ",".join(str(t.team_id) for t in setup.teams[:3])
    await admin_chat.send(f"/live_new {setup.competition_id} regional {team_ids} 第二场决赛")
    assert "已建好" in admin_chat.last_bot_message()["text"]
    async with session_factory() as session:
        final = (
            (await session.execute(select(LiveFinal).order_by(LiveFinal.id.desc())))
            .scalars()
            .first()
        )
        assert final.name == "第二场决赛"
    await admin_chat.send(f"/live_adjust {final.id} 1 +15 评委裁定")
    assert "(+15)" in admin_chat.last_bot_message()["text"]
    await admin_chat.send(f"/live_adjust {final.id} 1 5")
    assert "用法" in admin_chat.last_bot_message()["text"]
    await admin_chat.send(f"/live_rule {final.id} 2 value=30")
    assert "value=30" in admin_chat.last_bot_message()["text"]
    await admin_chat.send(f"/live_rule {final.id} 2 value=-3")
    assert "无效" in admin_chat.last_bot_message()["text"]
    await admin_chat.send(f"/live_new {setup.competition_id} nosuch {team_ids}")
    assert "赛制预设" in admin_chat.last_bot_message()["text"]
    await worker_chat.send(f"/live {final.id}")
    assert "组织者" in worker_chat.last_bot_message()["text"]
