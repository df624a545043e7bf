"""Router (private): the web face from the chat.

Organisers: /screen [id] [en] (a big-screen link), /screen_off <id>, /bind_webhook [id]
wecom|dingtalk|feishu URL [secret], /unbind_webhook <id>, /web_login <id> on|off and
/web_links <id> (the sheet of personal quiz links). Workers: /app, a button that opens the
quiz as a Telegram Mini App. Every organiser action is the core's (permission, audit).
"""

from __future__ import annotations

import asyncio
from html import escape

from aiogram import F
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    WebAppInfo,
)

from bot.admin_common import admin_router
from bot.file_names import workbook_name
from bot.routing import Routes
from chat.turn import Turn
from config import Settings
from contest.admin import web as admin_web
from contest.admin.competitions import LIVE, managed_competitions
from contest.robots import PLATFORMS, masked
from contest.signing import REVIEW_WINDOW
from i18n import LANGUAGES, t
from storage.ids import id_of
from web.link_sheet import link_rows, link_workbook

router = admin_router(__name__)
workers = Routes(f"{__name__}.workers")


async def _pick(
    message: Message, turn: Turn, action: str, args: list[str]
) -> tuple[int | None, list[str]]:
    """The competition named first in ``args`` (``12`` or ``#12``), else the only live one the
    organiser manages; otherwise None (and the list is shown) with the other arguments."""
    if args and args[0].lstrip("#").isdigit():
        return int(args[0].lstrip("#")), args[1:]
    rows = await managed_competitions(
        turn.session, actor=turn.acting, action=action, statuses=LIVE, clock=turn.wall
    )
    if len(rows) == 1:
        return id_of(rows[0]), args
    lines = [t("web.admin.which", turn.lang)] + [f"#{c.id} {escape(c.name)}" for c in rows[:12]]
    await message.answer("\n".join(lines) if rows else t("admin.pick.none", turn.lang))
    return None, args


@router.message(Command("screen"))
async def on_screen(
    message: Message, turn: Turn, command: CommandObject, settings: Settings
) -> None:
    competition_id, rest = await _pick(message, turn, "screen.issue", (command.args or "").split())
    if competition_id is None:
        return
    language = rest[0].lower() if rest and rest[0].lower() in LANGUAGES else "zh"
    screen = await admin_web.issue_screen(
        turn.session,
        actor=turn.acting,
        competition_id=competition_id,
        language=language,
        clock=turn.wall,
    )
    base = settings.web_public_url
    if base is None:
        await message.answer(t("web.admin.no_public_url", turn.lang))
        return
    url = f"{base}/screen/{screen.token}"
    await message.answer(
        t("web.admin.screen", turn.lang, url=escape(url), id=competition_id),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text=t("web.admin.open_screen", turn.lang), url=url)]
            ]
        ),
    )


@router.message(Command("bind_webhook"))
async def on_bind_webhook(
    message: Message, turn: Turn, command: CommandObject, settings: Settings
) -> None:
    args = (command.args or "").split()
    competition_id, rest = await _pick(message, turn, "robot.bind", args)
    if competition_id is None:
        return
    language = "zh"
    if rest and rest[-1].lower() in LANGUAGES and len(rest) > 2:
        language = rest.pop().lower()
    if len(rest) not in (2, 3) or rest[0].lower() not in PLATFORMS:
        await message.answer(t("web.admin.bind_usage", turn.lang))
        return
    platform, url = rest[0].lower(), rest[1]
    secret = rest[2] if len(rest) == 3 else None
    robot = await admin_web.bind_robot(
        turn.session,
        actor=turn.acting,
        competition_id=competition_id,
        platform=platform,
        url=url,
        secret=secret,
        language=language,
        extra_hosts=settings.robot_extra_hosts,
        clock=turn.wall,
    )
    await message.answer(
        t(
            "web.admin.bound",
            turn.lang,
            platform=t(f"web.platform.{platform}", turn.lang),
            where=escape(masked(robot.url)),
            id=competition_id,
        )
    )
    # The command carried the robot's key (and secret): do not leave it in the chat.
    try:
        await message.delete()
    except Exception:
        await message.answer(t("web.admin.delete_it", turn.lang))


UNDO = {
    "screen_off": ("screen.revoke", admin_web.revoke_screens, "web.admin.screens_revoked"),
    "unbind_webhook": ("robot.unbind", admin_web.unbind_robots, "web.admin.unbound"),
}
"""Commands that take back what a competition has (screen links, robots) and say how many:
the action, the core function, the reply."""


@router.message(Command(*UNDO))
async def on_take_back(message: Message, turn: Turn, command: CommandObject) -> None:
    action, take_back, reply = UNDO[command.command]
    competition_id, _ = await _pick(message, turn, action, (command.args or "").split())
    if competition_id is None:
        return
    count = await take_back(
        turn.session, actor=turn.acting, competition_id=competition_id, clock=turn.wall
    )
    await message.answer(t(reply, turn.lang, count=count))


class WebLoginCb(CallbackData, prefix="wl"):
    """/web_login by buttons: a competition (``on`` empty), then 开放 or 关闭."""

    c: int
    on: str = ""


def _login_switch(competition_id: int, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("web.admin.login_open", lang),
                    callback_data=WebLoginCb(c=competition_id, on="1").pack(),
                ),
                InlineKeyboardButton(
                    text=t("web.admin.login_close", lang),
                    callback_data=WebLoginCb(c=competition_id, on="0").pack(),
                ),
            ]
        ]
    )


async def _set_login(turn: Turn, settings: Settings, competition_id: int, enabled: bool) -> str:
    await admin_web.set_roster_login(
        turn.session,
        actor=turn.acting,
        competition_id=competition_id,
        enabled=enabled,
        clock=turn.wall,
    )
    base = settings.web_public_url or ""
    key = "login_on" if enabled else "login_off"
    return t(f"web.admin.{key}", turn.lang, url=escape(f"{base}/join/{competition_id}"))


@router.message(Command("web_login"))
async def on_web_login(
    message: Message, turn: Turn, command: CommandObject, settings: Settings
) -> None:
    args = (command.args or "").split()
    if args and args[0].lstrip("#").isdigit():
        competition_id, rest = int(args[0].lstrip("#")), args[1:]
    else:
        rows = await managed_competitions(
            turn.session, actor=turn.acting, action="web.login", statuses=LIVE, clock=turn.wall
        )
        if len(rows) != 1:
            buttons = [
                [
                    InlineKeyboardButton(
                        text=f"#{c.id} {c.name}"[:60],
                        callback_data=WebLoginCb(c=id_of(c)).pack(),
                    )
                ]
                for c in rows[:12]
            ]
            if not rows:
                await message.answer(t("admin.pick.none", turn.lang))
                return
            await message.answer(
                t("web.admin.login_pick", turn.lang),
                reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons),
            )
            return
        competition_id, rest = id_of(rows[0]), args
    if not rest:
        await message.answer(
            t("web.admin.login_which", turn.lang, competition_id=competition_id),
            reply_markup=_login_switch(competition_id, turn.lang),
        )
        return
    if len(rest) != 1 or rest[0].lower() not in ("on", "off", "开", "关"):
        await message.answer(t("web.admin.login_usage", turn.lang))
        return
    await message.answer(
        await _set_login(turn, settings, competition_id, rest[0].lower() in ("on", "开"))
    )


@router.callback_query(WebLoginCb.filter(F.on == ""))
async def on_web_login_pick(query: CallbackQuery, turn: Turn, callback_data: WebLoginCb) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            t("web.admin.login_which", turn.lang, competition_id=callback_data.c),
            reply_markup=_login_switch(callback_data.c, turn.lang),
        )


@router.callback_query(WebLoginCb.filter(F.on != ""))
async def on_web_login_switch(
    query: CallbackQuery, turn: Turn, callback_data: WebLoginCb, settings: Settings
) -> None:
    text = await _set_login(turn, settings, callback_data.c, callback_data.on == "1")
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.answer(text)


@router.message(Command("web_links"))
async def on_web_links(
    message: Message, turn: Turn, command: CommandObject, settings: Settings
) -> None:
    competition_id, _ = await _pick(message, turn, "web.links", (command.args or "").split())
    if competition_id is not None:
        await send_links(message, turn, competition_id, settings)


class LinksCb(CallbackData, prefix="wls"):
    """The links sheet of competition ``c`` (a next step after creating it)."""

    c: int


@router.callback_query(LinksCb.filter())
async def on_links_button(
    query: CallbackQuery, turn: Turn, callback_data: LinksCb, settings: Settings
) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await send_links(query.message, turn, callback_data.c, settings)


async def send_links(message: Message, turn: Turn, competition_id: int, settings: Settings) -> None:
    """Every worker's own sign-in link (and QR code) in one workbook."""
    base = settings.web_public_url
    if base is None:
        await message.answer(t("web.admin.no_public_url", turn.lang))
        return
    competition, roster = await admin_web.link_sheet_rows(
        turn.session, actor=turn.acting, competition_id=competition_id, clock=turn.wall
    )
    await turn.session.commit()
    rows = link_rows(settings.web_key, base, competition, roster)
    data = await asyncio.to_thread(link_workbook, rows, title=competition.name, lang=turn.lang)
    await message.answer_document(
        BufferedInputFile(data, workbook_name(competition.name, "links", turn.lang)),
        caption=t(
            "web.admin.links_open",
            turn.lang,
            count=len(rows),
            name=escape(competition.name),
            days=REVIEW_WINDOW.days,
        ),
    )


@workers.message(Command("app"))
async def on_app(message: Message, turn: Turn, settings: Settings) -> None:
    """The quiz as a Mini App (Telegram opens web_app buttons only over https)."""
    base = settings.web_public_url
    if not base or not base.startswith("https://"):
        await message.answer(t("web.admin.no_app", turn.lang))
        return
    button = InlineKeyboardButton(
        text=t("web.app.button", turn.lang), web_app=WebAppInfo(url=f"{base}/app")
    )
    await message.answer(
        t("web.app.invite", turn.lang),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]]),
    )
