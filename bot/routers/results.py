"""Router: /rank (排行榜) and /results (我的成绩) in private chat."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import MenuCb, PracticeBoardCb, TeamMembersCb
from bot.errors import Registered, install
from bot.keyboards import rank_keyboard
from bot.render import leaderboard_text, practice_board_text, results_text, team_members_text
from config import Settings
from contest.attempts import board_competition_id
from contest.leaderboard import competition_leaderboard, team_members_board
from contest.models import Worker
from contest.practice import PracticePeriod, practice_board, practice_rank
from contest.practice_rounds import my_results
from i18n import t
from storage.types import Clock

router = install(Router(name=__name__))
router.message.filter(Registered())
router.callback_query.filter(Registered())


async def _board(
    session: AsyncSession, worker: Worker, lang: str, clock: Clock
) -> tuple[str, InlineKeyboardMarkup]:
    """The competition leaderboard (or why there is none) and the buttons under it."""
    competition_id = await board_competition_id(session, clock=clock)
    if competition_id is None:
        return t("results.no_board", lang), rank_keyboard(lang)
    board = await competition_leaderboard(
        session, competition_id=competition_id, worker_id=worker.id, limit=10
    )
    members = competition_id if worker.team_id is not None else None
    return leaderboard_text(board, lang), rank_keyboard(lang, team_board_of=members)


@router.message(Command("rank"))
async def on_rank(
    message: Message, session: AsyncSession, worker: Worker, lang: str, clock: Clock
) -> None:
    text, markup = await _board(session, worker, lang, clock)
    await message.answer(text, reply_markup=markup)


@router.callback_query(MenuCb.filter(F.act == "rank"))
async def on_rank_button(
    query: CallbackQuery,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    clock: Clock,
    bot: Bot,
) -> None:
    await query.answer()
    text, markup = await _board(session, worker, lang, clock)
    await bot.send_message(query.from_user.id, text, reply_markup=markup)


@router.callback_query(TeamMembersCb.filter())
async def on_team_members(
    query: CallbackQuery,
    callback_data: TeamMembersCb,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    bot: Bot,
) -> None:
    """队内排名: the worker's own team (and its sub-teams), ranked among themselves."""
    board = await team_members_board(
        session, competition_id=callback_data.c, worker_id=int(worker.id or 0)
    )
    await query.answer()
    if board is None:
        await bot.send_message(query.from_user.id, t("results.no_team", lang))
        return
    name, rows = board
    text = team_members_text(name, rows, worker.id, lang)
    await bot.send_message(query.from_user.id, text)


@router.callback_query(PracticeBoardCb.filter(F.period.in_({p.value for p in PracticePeriod})))
async def on_practice_board(
    query: CallbackQuery,
    callback_data: PracticeBoardCb,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    """每日一练 boards: today, this ISO week, all time (days in the configured time zone)."""
    period = PracticePeriod(callback_data.period)
    today = clock().astimezone(ZoneInfo(settings.timezone)).date()
    rows = await practice_board(session, period=period, today=today, limit=10)
    me = await practice_rank(session, worker_id=int(worker.id or 0), period=period, today=today)
    await query.answer()
    await bot.send_message(query.from_user.id, practice_board_text(period, rows, me, lang))


async def _mine(
    session: AsyncSession, worker: Worker, lang: str, clock: Clock, settings: Settings
) -> str:
    results = await my_results(
        session, worker_id=int(worker.id or 0), now=clock(), tz=settings.timezone
    )
    return results_text(results, lang)


@router.message(Command("results"))
async def on_results(
    message: Message,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    clock: Clock,
    settings: Settings,
) -> None:
    await message.answer(await _mine(session, worker, lang, clock, settings))


@router.callback_query(MenuCb.filter(F.act == "results"))
async def on_results_button(
    query: CallbackQuery,
    session: AsyncSession,
    worker: Worker,
    lang: str,
    clock: Clock,
    settings: Settings,
    bot: Bot,
) -> None:
    await query.answer()
    await bot.send_message(query.from_user.id, await _mine(session, worker, lang, clock, settings))
