"""Inline keyboards shared by the worker-facing routers (labels from the catalogues)."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import (
    AnswerCb,
    LangCb,
    MenuCb,
    NextCb,
    PracticeBoardCb,
    RegCb,
    StartCb,
    SubmitCb,
    TeamCb,
    TeamMembersCb,
    ToggleCb,
    mask_of,
)
from contest.offers import Offer
from contest.quizview import QuestionView
from contest.workers import TeamChoice
from i18n import t
from quizbank.models import OPTION_LETTERS, QuestionType

MENU_ACTIONS = ("practice", "quiz", "rank", "results", "help")


def menu_keyboard(lang: str) -> InlineKeyboardMarkup:
    """每日一练 / 参加竞赛 / 排行榜 / 我的成绩 / 帮助, thumb-sized, two per row."""
    builder = InlineKeyboardBuilder()
    for act in MENU_ACTIONS:
        builder.button(text=t(f"menu.button.{act}", lang), callback_data=MenuCb(act=act))
    builder.adjust(2, 2, 1)
    return builder.as_markup()


def question_keyboard(view: QuestionView, lang: str) -> InlineKeyboardMarkup | None:
    """Letters for single choice, 对/错 for true/false, toggles plus 提交 for multiple.

    Built row by row (not with the keyboard builder, which deep-copies every button): this
    keyboard is drawn on every answer of every worker.
    """
    a, p = view.attempt_id, view.position
    if view.qtype is QuestionType.SINGLE:
        letters = [
            _button(OPTION_LETTERS[i], AnswerCb(a=a, p=p, o=i)) for i in range(len(view.options))
        ]
        return InlineKeyboardMarkup(inline_keyboard=_rows(letters, 4))
    if view.qtype is QuestionType.TRUE_FALSE:
        return InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    _button(t("quiz.button.true", lang), AnswerCb(a=a, p=p, o=1)),
                    _button(t("quiz.button.false", lang), AnswerCb(a=a, p=p, o=0)),
                ]
            ]
        )
    if view.qtype is QuestionType.MULTIPLE:
        # Each button carries the ticked set it leads to, 提交 the set shown: what the worker
        # sees is what is submitted, however fast they tap.
        ticked = mask_of(view.selection)
        toggles = [
            _button(
                ("✅ " if i in view.selection else "") + OPTION_LETTERS[i],
                ToggleCb(a=a, p=p, m=ticked ^ (1 << i)),
            )
            for i in range(len(view.options))
        ]
        submit = _button(t("quiz.button.submit", lang), SubmitCb(a=a, p=p, m=ticked))
        return InlineKeyboardMarkup(inline_keyboard=[*_rows(toggles, 4), [submit]])
    return None


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def next_keyboard(attempt_id: int, lang: str) -> InlineKeyboardMarkup:
    return _single(t("quiz.button.next", lang), NextCb(a=attempt_id).pack())


def after_summary_keyboard(lang: str, *, practice: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if practice:
        builder.button(text=t("quiz.button.again", lang), callback_data=MenuCb(act="practice"))
    builder.button(text=t("menu.button.rank", lang), callback_data=MenuCb(act="rank"))
    builder.button(text=t("quiz.button.menu", lang), callback_data=MenuCb(act="menu"))
    builder.adjust(1)
    return builder.as_markup()


def competitions_keyboard(offers: Iterable[Offer]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for offer in offers:
        builder.button(text=offer.name[:60], callback_data=StartCb(c=offer.id))
    builder.adjust(1)
    return builder.as_markup()


def skip_keyboard(lang: str) -> InlineKeyboardMarkup:
    return _single(t("start.button.skip", lang), RegCb(act="skip").pack())


def confirm_keyboard(lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("start.button.its_me", lang), callback_data=RegCb(act="yes"))
    builder.button(text=t("start.button.not_me", lang), callback_data=RegCb(act="no"))
    return builder.as_markup()


def teams_keyboard(choices: Iterable[TeamChoice], lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for choice in choices:
        builder.button(text=" / ".join(choice.path)[:60], callback_data=TeamCb(t=choice.team_id))
    builder.button(text=t("start.button.skip", lang), callback_data=TeamCb(t=0))
    builder.adjust(1)
    return builder.as_markup()


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="中文", callback_data=LangCb(lang="zh"))
    builder.button(text="English", callback_data=LangCb(lang="en"))
    return builder.as_markup()


def url_keyboard(text: str, url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=text, url=url)]])


def _single(text: str, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=data)]]
    )


def rank_keyboard(lang: str, *, team_board_of: int | None = None) -> InlineKeyboardMarkup:
    """Under the leaderboard: 队内排名 (when the worker has a team in a competition), then the
    今日 / 本周 / 总榜 practice boards."""
    builder = InlineKeyboardBuilder()
    if team_board_of is not None:
        builder.button(
            text=t("results.members_button", lang), callback_data=TeamMembersCb(c=team_board_of)
        )
    for period in ("day", "week", "overall"):
        builder.button(
            text=t(f"results.practice_button.{period}", lang),
            callback_data=PracticeBoardCb(period=period),
        )
    builder.adjust(*([1] if team_board_of is not None else []), 3)
    return builder.as_markup()
