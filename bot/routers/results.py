"""Router: /rank (排行榜) and /results (我的成绩) in private chat."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Bot, F
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.board_texts import leaderboard_text, practice_board_text, results_text, team_members_text
from bot.callbacks import MenuCb, PracticeBoardCb, TeamMembersCb
from bot.errors import Registered, install
from bot.keyboards import rank_keyboard
from bot.routing import Routes
from chat.turn import Turn
from contest.attempts import board_competition_id
from contest.leaderboard import competition_leaderboard, team_members_board
from contest.practice_boards import PracticePeriod, practice_board, practice_rank
from contest.practice_rounds import my_results
from i18n import t

router = install(Routes(__name__))
router.message.filter(Registered())
router.callback_query.filter(Registered())


async def _board(turn: Turn) -> tuple[str, InlineKeyboardMarkup]:
    """The competition leaderboard (or why there is none) and the buttons under it."""
    competition_id = await board_competition_id(turn.session, clock=turn.wall)
    if competition_id is None:
        return t("results.no_board", turn.lang), rank_keyboard(turn.lang)
    board = await competition_leaderboard(
        turn.session, competition_id=competition_id, worker_id=turn.my_id, limit=10
    )
    members = competition_id if turn.me.team_id is not None else None
    return leaderboard_text(board, turn.lang), rank_keyboard(turn.lang, team_board_of=members)


@router.message(Command("rank"))
async def on_rank(message: Message, turn: Turn) -> None:
    text, markup = await _board(turn)
    await message.answer(text, reply_markup=markup)


@router.callback_query(MenuCb.filter(F.act == "rank"))
async def on_rank_button(query: CallbackQuery, turn: Turn, bot: Bot) -> None:
    await query.answer()
    text, markup = await _board(turn)
    await bot.send_message(query.from_user.id, text, reply_markup=markup)


@router.callback_query(TeamMembersCb.filter())
async def on_team_members(
    query: CallbackQuery, turn: Turn, callback_data: TeamMembersCb, bot: Bot
) -> None:
    """队内排名: the worker's own team (and its sub-teams), ranked among themselves."""
    board = await team_members_board(
        turn.session, competition_id=callback_data.c, worker_id=turn.my_id
    )
    await query.answer()
    if board is None:
        await bot.send_message(query.from_user.id, t("results.no_team", turn.lang))
        return
    name, rows = board
    text = team_members_text(name, rows, turn.my_id, turn.lang)
    await bot.send_message(query.from_user.id, text)


@router.callback_query(PracticeBoardCb.filter(F.period.in_({p.value for p in PracticePeriod})))
async def on_practice_board(
    query: CallbackQuery, turn: Turn, callback_data: PracticeBoardCb, bot: Bot
) -> None:
    """每日一练 boards: today, this ISO week, all time (days in the configured time zone)."""
    period = PracticePeriod(callback_data.period)
    today = turn.wall().astimezone(ZoneInfo(turn.tz)).date()
    rows = await practice_board(turn.session, period=period, today=today, limit=10)
    me = await practice_rank(turn.session, worker_id=turn.my_id, period=period, today=today)
    await query.answer()
    await bot.send_message(query.from_user.id, practice_board_text(period, rows, me, turn.lang))


async def _mine(turn: Turn) -> str:
    results = await my_results(turn.session, worker_id=turn.my_id, now=turn.wall(), tz=turn.tz)
    return results_text(results, turn.lang)


@router.message(Command("results"))
async def on_results(message: Message, turn: Turn) -> None:
    await message.answer(await _mine(turn))


@router.callback_query(MenuCb.filter(F.act == "results"))
async def on_results_button(query: CallbackQuery, turn: Turn, bot: Bot) -> None:
    await query.answer()
    await bot.send_message(query.from_user.id, await _mine(turn))
