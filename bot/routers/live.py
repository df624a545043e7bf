"""Router (private): the live final from the chat.

Organisers: /live_new <competition> <preset> <team ids> [name] (a final from roster teams),
/live <id> (the host panel: the same actions as the web console, one tap each),
/live_links <id> (the console, stage, hall and buzzer links), /live_export <id> (the
record), /live_rule <id> <segment> key=value…, /live_adjust <id> <desk> <points> <reason>.
Players: /buzz, a buzzer button whose press is timed when the update reached us. Every
action is the core's.
"""

from __future__ import annotations

import asyncio
import tempfile
from html import escape
from pathlib import Path
from typing import Any

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy import select
from sqlmodel import col

from bot.admin_common import admin_router
from bot.errors import install
from bot.live_panel import BuzzCb, HostCb, PickCb, buzz_keyboard, host_keyboard, host_text
from bot.routing import Routes
from chat.turn import Turn
from config import Settings
from contest.admin.audit import authorize
from contest.admin.policy import Actor, Need
from contest.errors import ContestError
from contest.live import flow
from contest.live.buzz import buzz
from contest.live.links import issue_links
from contest.live.models import FinalStatus, LiveFinal, LivePlayer
from contest.live.record import export_final
from contest.live.setup import create_final, roster_teams, set_rules
from contest.live.view import stage_view
from i18n import t
from storage.ids import id_of

organisers = admin_router(f"{__name__}.organisers")
players = install(Routes(f"{__name__}.players"))
router = Routes(__name__)
router.include(organisers)
router.include(players)
PLAYERS_PER_TEAM = 3


def _actor(turn: Turn) -> Actor:
    if turn.actor is None:
        raise ContestError("denied")
    return turn.actor


def _ints(text: str) -> list[int]:
    parts = text.replace("，", ",").split(",")
    if not all(p.strip().lstrip("#").isdigit() for p in parts):
        raise ContestError("live_bad_command")
    return [int(p.strip().lstrip("#")) for p in parts]


async def _panel(turn: Turn, final_id: int) -> tuple[str, Any]:
    view = await stage_view(turn.session, final_id=final_id, now=turn.received_at, for_host=True)
    return host_text(view, turn.lang), host_keyboard(view, turn.lang)


async def _may_host(turn: Turn, final_id: int) -> None:
    final = await turn.session.get(LiveFinal, final_id)
    if final is None:
        raise ContestError("live_no_final", final=final_id)
    await authorize(
        turn.session,
        _actor(turn),
        "live.view",
        competition_id=final.competition_id,
        need=Need.COMPETITION,
        clock=turn.clock,
    )


@organisers.message(Command("live_new"))
async def on_new(message: Message, turn: Turn, command: CommandObject) -> None:
    args = (command.args or "").split(maxsplit=3)
    if len(args) < 3 or not args[0].lstrip("#").isdigit():
        await message.answer(t("live.bot.new_usage", turn.lang))
        return
    plans = await roster_teams(turn.session, team_ids=_ints(args[2]), players=PLAYERS_PER_TEAM)
    final = await create_final(
        turn.session,
        actor=_actor(turn),
        competition_id=int(args[0].lstrip("#")),
        name=args[3] if len(args) > 3 else t("live.ui.brand", turn.lang),
        teams=plans,
        preset_name=args[1],
        clock=turn.clock,
    )
    text, keyboard = await _panel(turn, id_of(final))
    await message.answer(
        t("live.bot.created", turn.lang, id=final.id) + "\n\n" + text, reply_markup=keyboard
    )


@organisers.message(Command("live"))
async def on_live(message: Message, turn: Turn, command: CommandObject) -> None:
    arg = (command.args or "").strip().lstrip("#")
    if not arg.isdigit():
        rows = await turn.session.execute(
            select(LiveFinal)
            .where(col(LiveFinal.status) != FinalStatus.FINISHED)
            .order_by(col(LiveFinal.id).desc())
            .limit(10)
        )
        finals = [f"#{f.id} {escape(f.name)}" for f in rows.scalars()]
        await message.answer("\n".join([t("live.bot.usage", turn.lang), *finals]))
        return
    await _may_host(turn, int(arg))
    text, keyboard = await _panel(turn, int(arg))
    await message.answer(text, reply_markup=keyboard)


@organisers.callback_query(HostCb.filter())
async def on_host(query: CallbackQuery, turn: Turn, callback_data: HostCb) -> None:
    final_id, verb = callback_data.f, callback_data.a
    common: dict[str, Any] = {
        "actor": _actor(turn),
        "final_id": final_id,
        "clock": turn.clock,
        "expect": callback_data.n,
    }
    if verb in flow.STEPS:
        await flow.STEPS[verb](turn.session, **common)
    elif verb in ("right", "wrong"):
        await flow.rule(turn.session, right=verb == "right", **common)
    else:
        await _may_host(turn, final_id)
    await _refresh(query, turn, final_id)


@organisers.callback_query(PickCb.filter())
async def on_pick(query: CallbackQuery, turn: Turn, callback_data: PickCb) -> None:
    await flow.pick_value(
        turn.session,
        actor=_actor(turn),
        final_id=callback_data.f,
        value=callback_data.v,
        clock=turn.clock,
        expect=callback_data.n,
    )
    await _refresh(query, turn, callback_data.f)


async def _refresh(query: CallbackQuery, turn: Turn, final_id: int) -> None:
    text, keyboard = await _panel(turn, final_id)
    await turn.session.commit()  # the action is kept before we talk to Telegram
    await query.answer(t("live.ui.done", turn.lang))
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=keyboard)


@organisers.message(Command("live_links"))
async def on_links(
    message: Message, turn: Turn, command: CommandObject, settings: Settings
) -> None:
    arg = (command.args or "").strip().lstrip("#")
    if not arg.isdigit():
        await message.answer(t("live.bot.usage", turn.lang))
        return
    links = await issue_links(
        turn.session, actor=_actor(turn), final_id=int(arg), key=settings.web_key, clock=turn.clock
    )
    base = settings.web_public_url
    if base is None:
        await message.answer(t("web.admin.no_public_url", turn.lang))
        return
    lines = [
        t("live.bot.links", turn.lang),
        f"{t('live.ui.host_title', turn.lang)}: {base}/live/host/{links.host}",
        f"{t('live.bot.stage', turn.lang)}: {base}/live/stage/{links.stage}",
        f"{t('live.ui.hall_title', turn.lang)}: {base}/live/hall/{links.hall}",
        "",
    ]
    for item in links.buzzers:
        who = escape(item.team + (f" · {item.player}" if item.player else ""))
        lines.append(f"{who}: {base}/live/buzz/{item.token}")
    await message.answer("\n".join(lines), disable_web_page_preview=True)


@organisers.message(Command("live_export"))
async def on_export(message: Message, turn: Turn, command: CommandObject) -> None:
    arg = (command.args or "").strip().lstrip("#")
    if not arg.isdigit():
        await message.answer(t("live.bot.usage", turn.lang))
        return
    with tempfile.TemporaryDirectory(prefix="qq-live-") as folder:
        path = Path(folder) / f"final-{arg}.xlsx"
        await export_final(
            turn.session,
            actor=_actor(turn),
            final_id=int(arg),
            path=path,
            lang=turn.lang,
            clock=turn.clock,
        )
        data = await asyncio.to_thread(path.read_bytes)
    await turn.session.commit()  # the audit row is kept before we talk to Telegram
    await message.answer_document(BufferedInputFile(data, filename=path.name))


@organisers.message(Command("live_rule"))
async def on_rule(message: Message, turn: Turn, command: CommandObject) -> None:
    args = (command.args or "").split()
    pairs = [a.split("=", 1) for a in args[2:]]
    if (
        len(args) < 3
        or not (args[0].isdigit() and args[1].isdigit())
        or any(len(p) != 2 for p in pairs)
    ):
        await message.answer(t("live.bot.rule_usage", turn.lang))
        return
    segment = await set_rules(
        turn.session,
        actor=_actor(turn),
        final_id=int(args[0]),
        position=int(args[1]),
        changes=dict(pairs),
        clock=turn.clock,
    )
    rules = ", ".join(f"{k}={v}" for k, v in segment.rules.items())
    await message.answer(
        t("live.bot.rules", turn.lang, segment=segment.position, rules=escape(rules))
    )


@organisers.message(Command("live_adjust"))
async def on_adjust(message: Message, turn: Turn, command: CommandObject) -> None:
    args = (command.args or "").split(maxsplit=3)
    if len(args) < 4 or not (args[0].isdigit() and args[1].isdigit()):
        await message.answer(t("live.bot.adjust_usage", turn.lang))
        return
    final_id, seat = int(args[0]), int(args[1])
    view = await stage_view(turn.session, final_id=final_id, now=turn.received_at)
    team = next((tm for tm in view["teams"] if tm["seat"] == seat), None)
    delta = args[2].lstrip("+")
    if team is None or not delta.lstrip("-").isdigit():
        await message.answer(t("live.bot.adjust_usage", turn.lang))
        return
    await flow.adjust(
        turn.session,
        actor=_actor(turn),
        final_id=final_id,
        team_id=team["id"],
        delta=int(delta),
        reason=args[3],
        clock=turn.clock,
    )
    text, keyboard = await _panel(turn, final_id)
    await message.answer(text, reply_markup=keyboard)


# --- players ------------------------------------------------------------------------------


async def _my_final(turn: Turn) -> tuple[int, int] | None:
    """The running final the worker plays in, and their team: (final id, team id)."""
    rows = await turn.session.execute(
        select(col(LivePlayer.final_id), col(LivePlayer.team_id))
        .join(LiveFinal, col(LiveFinal.id) == col(LivePlayer.final_id))
        .where(
            col(LivePlayer.worker_id) == turn.my_id, col(LiveFinal.status) != FinalStatus.FINISHED
        )
        .order_by(col(LivePlayer.final_id).desc())
        .limit(1)
    )
    row = rows.first()
    return None if row is None else (int(row[0]), int(row[1]))


@players.message(Command("buzz"), F.chat.type == "private")
async def on_buzz_command(message: Message, turn: Turn) -> None:
    if turn.worker_id is None or (mine := await _my_final(turn)) is None:
        await message.answer(t("live.bot.no_final", turn.lang))
        return
    await message.answer(
        t("live.bot.buzzer", turn.lang), reply_markup=buzz_keyboard(mine[0], turn.lang)
    )


@players.callback_query(BuzzCb.filter())
async def on_buzz(query: CallbackQuery, turn: Turn, callback_data: BuzzCb) -> None:
    mine = await _my_final(turn) if turn.worker_id is not None else None
    if mine is None or mine[0] != callback_data.f:
        raise ContestError("live_not_a_player")
    result = await buzz(
        turn.session,
        final_id=mine[0],
        team_id=mine[1],
        worker_id=turn.my_id,
        received_at=turn.received_at,
        via="telegram",
    )
    await turn.session.commit()
    if result.status == "first":
        text = t("live.ui.buzz_first", turn.lang)
    elif result.status == "queued":
        text = t("live.ui.buzz_rank", turn.lang, rank=result.rank, ms=result.behind_ms)
    else:
        text = t("live.ui.buzz_false", turn.lang)
    await query.answer(text, show_alert=result.status == "false_start")
