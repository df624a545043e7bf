"""Router: /rank (排行榜) and /results (我的成绩) in private chat."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import MenuCb, PracticeBoardCb
from bot.errors import Registered, install
from bot.keyboards import practice_boards_keyboard
from bot.render import leaderboard_text, practice_board_text, results_text
from config import Settings
from contest.attempts import board_competition_id
from contest.leaderboard import competition_leaderboard
from contest.models import Worker
from contest.practice import PracticePeriod, practice_board, practice_rank
from contest.practice_rounds import my_results
from i18n import t
from storage.types import Clock

router = install(Router(name=__name__))
router.message.filter(Registered())
router.callback_query.filter(Registered())


async def _board(session: AsyncSession, worker: Worker, lang: str, clock: Clock) -> str:
    competition_id = await board_competition_id(session, clock=clock)
    if competition_id is None:
        return t("results.no_board", lang)
    board = await competition_leaderboard(
        session, competition_id=competition_id, worker_id=worker.id, limit=10
    )
    return leaderboard_text(board, lang)


@router.message(Command("rank"))
async def on_rank(
    message: Message, session: AsyncSession, worker: Worker, lang: str, clock: Clock
) -> None:
    await message.answer(
        await _board(session, worker, lang, clock), reply_markup=practice_boards_keyboard(lang)
    )


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
    await bot.send_message(
        query.from_user.id,
        await _board(session, worker, lang, clock),
        reply_markup=practice_boards_keyboard(lang),
    )


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
