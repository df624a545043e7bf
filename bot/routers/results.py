"""Router: /rank (排行榜) and /results (我的成绩) in private chat."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import MenuCb
from bot.errors import Registered, install
from bot.render import leaderboard_text, results_text
from config import Settings
from contest.attempts import board_competition_id
from contest.leaderboard import competition_leaderboard
from contest.models import Worker
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
    await message.answer(await _board(session, worker, lang, clock))


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
    await bot.send_message(query.from_user.id, await _board(session, worker, lang, clock))


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
