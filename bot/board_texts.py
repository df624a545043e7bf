"""HTML rendering of boards and results: the leaderboard, a team's members, my results, the
competitions on offer, the practice boards. Every user text escaped; the scheduler reuses
:func:`leaderboard_text` for its announcements.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from html import escape
from typing import Any

from bot.errors import error_text as error_text
from bot.render import duration, plain_number
from bot.when import exact_minutes, local_time, seconds_text, time_left
from contest.leaderboard import Leaderboard
from contest.offers import Offer
from contest.practice_boards import PracticeRankInfo, PracticeRow
from contest.practice_rounds import MyResults
from contest.ranking import IndividualRow, RankInfo
from contest.score_text import rank_text, score_text
from contest.scoring import ScoreStyle, format_score
from contest.zones import zone_name
from i18n import t


def leaderboard_text(board: Leaderboard, lang: str, *, show_me: bool = True) -> str:
    """Top individuals, the worker's own place and gap, and the team board: places shared
    (并列) where the rules cannot separate them, teams by their shortest unique path, scores
    at the competition's precision."""
    # A worker's score as the competition shows it (points or 百分制); a team's in points.
    mine, teams = board.style, ScoreStyle(precision=board.style.precision)
    lines = [t("results.board_title", lang, name=escape(board.name)), ""]
    if not board.top:
        lines.append(t("results.board_empty", lang))
    for row in board.top:
        label = row.team_label or row.team_name
        team = f" · {escape(label)}" if label else ""
        lines.append(
            t(
                "results.board_row",
                lang,
                rank=rank_text(row.rank, row.tied, lang),
                name=escape(row.name or "—"),
                team=team,
                score=score_text(row.score, lang, mine),
                time=duration(row.time_used_ms, lang),
            )
        )
    if show_me and board.me is not None:
        lines += [
            "",
            t(
                "results.my_rank",
                lang,
                rank=board.me.rank,
                total=board.me.total,
                score=score_text(board.me.score, lang, mine),
            )
            + (t("scores.tied_mark", lang) if board.me.tied else ""),
        ]
        if board.me.gap_to_next is not None:
            lines.append(_gap_line(board.me, lang))
    elif show_me:
        lines += ["", t("results.not_ranked", lang)]
    if board.teams:
        lines += ["", t("results.team_title", lang)]
        for team_row in board.teams:
            rank: Any = (
                "—" if team_row.rank is None else rank_text(team_row.rank, team_row.tied, lang)
            )
            lines.append(
                t(
                    "season.board.team_row" if team_row.participants else "season.board.team_idle",
                    lang,
                    rank=rank,
                    name=escape(team_row.label or team_row.name),
                    score=score_text(team_row.score, lang, teams),
                    participants=team_row.participants,
                    registered=team_row.registered,
                )
            )
        if board.idle_teams:
            names = "、".join(escape(name) for name in board.idle_teams)
            lines.append(t("season.board.idle_more", lang, names=names))
    if show_me and board.my_team is not None:
        lines.append(_my_team_line(board, lang))
    if board.top:
        rule = "time" if board.by_time else "equal"
        lines += ["", t(f"scheduler.announce.tie_rule_{rule}", lang)]
    return "\n".join(lines)


def _gap_line(me: RankInfo, lang: str) -> str:
    """How far the place above is: in points, or when tied on score, in time."""
    gap = me.gap_to_next or 0.0
    if gap > 0 or me.time_behind_ms is None:
        return t("results.gap", lang, count=gap, gap=plain_number(gap))
    if me.time_behind_ms >= 1000:
        return t("results.tied_time", lang, time=duration(me.time_behind_ms, lang))
    return t("results.tied", lang)


def _my_team_line(board: Leaderboard, lang: str) -> str:
    mine = board.my_team
    assert mine is not None
    name = escape(mine.label or mine.name)
    if mine.rank is None:
        return t("results.my_team_unranked", lang, name=name)
    line = t("results.my_team", lang, name=name, rank=mine.rank, count=board.team_total)
    if mine.tied:
        line += t("scores.tied_mark", lang)
    if board.team_gap is not None:
        gap = board.style.number(board.team_gap)
        line += t("results.my_team_gap", lang, count=board.team_gap, gap=gap)
    return line


def team_members_text(team_name: str, rows: list[IndividualRow], me: int | None, lang: str) -> str:
    """队内排名: members of the worker's team ranked among themselves; ``me`` is marked."""
    lines = [t("results.members_title", lang, name=escape(team_name)), ""]
    if not rows:
        lines.append(t("results.board_empty", lang))
    for row in rows:
        marker = " 👈" if row.worker_id == me else ""
        lines.append(
            t(
                "results.member_row",
                lang,
                rank=rank_text(row.rank, row.tied, lang),
                name=escape(row.name or "—"),
                count=row.score,
                score=plain_number(row.score),
                time=duration(row.time_used_ms, lang),
            )
            + marker
        )
    return "\n".join(lines)


def results_text(results: MyResults, lang: str) -> str:
    """我的成绩: competition attempts, practice statistics, streak."""
    lines = [t("results.mine_title", lang), ""]
    if not results.attempts:
        lines.append(t("results.no_attempts", lang))
    for line in results.attempts:
        lines.append(
            t(
                "results.attempt_row",
                lang,
                name=escape(line.competition),
                number=line.number,
                count=line.score,
                score=format_score(line.score, line.precision),
                correct=line.correct_count,
                total=line.question_count,
                time=duration(line.time_used_ms, lang),
                status=t(f"results.status.{line.status.value}", lang),
            )
        )
        if line.rank is not None:  # the attempt that counts: its place on the board
            key = "results.place_final" if line.final else "results.place_now"
            place = t("close.place_tied" if line.tied else "close.place_rank", lang, rank=line.rank)
            lines.append(t(key, lang, place=place, total=line.participants))
    rate = (
        results.practice_correct * 100 // results.practice_answered
        if results.practice_answered
        else 0
    )
    lines += [
        "",
        t(
            "results.practice",
            lang,
            answered=results.practice_answered,
            correct=results.practice_correct,
            rate=rate,
            days=t("quiz.when.days", lang, count=results.practice_days),
            today=results.today_answered,
        ),
        t("results.streak", lang, count=results.streak),
    ]
    return "\n".join(lines)


def competition_lines(offers: Iterable[Offer], lang: str, *, now: datetime) -> str:
    """The open competitions, each with what a worker needs to decide: when it closes (and
    how long is left), the paper, and their attempts left."""
    lines = [t("quiz.choose_competition", lang)]
    for offer in offers:
        closes = t(
            "quiz.offer.closes",
            lang,
            time=local_time(offer.ends_at, offer.timezone, lang),
            zone=zone_name(offer.timezone, lang, at=offer.ends_at),
            left=time_left(offer.ends_at, now, lang),
        )
        paper = t(
            "quiz.offer.paper",
            lang,
            count=offer.question_count,
            seconds=seconds_text(offer.question_time_limit_s, lang),
            minutes=exact_minutes(offer.paper_time_s, lang),
        )
        attempts = _attempts_line(offer, lang)
        lines += ["", f"<b>{escape(offer.name)}</b>", closes, paper, attempts]
    return "\n".join(lines)


def _attempts_line(offer: Offer, lang: str) -> str:
    if offer.in_progress:
        return t("quiz.offer.in_progress", lang)
    per_day = offer.attempts_per_day
    if offer.done_for_today:
        return t("quiz.offer.none_today", lang, per_day=per_day)
    if not offer.attempts_left:
        return t("quiz.offer.no_attempts", lang, allowed=offer.attempts_allowed)
    if per_day is not None:
        return t("quiz.offer.attempts_today", lang, count=offer.attempts_left, per_day=per_day)
    return t("quiz.offer.attempts", lang, count=offer.attempts_left, allowed=offer.attempts_allowed)


def practice_board_text(
    period: str, rows: list[PracticeRow], me: PracticeRankInfo | None, lang: str
) -> str:
    """A 每日一练 board (today, this week or all time) and the worker's own place."""
    lines = [t(f"results.practice_title.{period}", lang), ""]
    if not rows:
        lines.append(t("results.practice_empty", lang))
    for row in rows:
        team = f" · {escape(row.team_name)}" if row.team_name else ""
        lines.append(
            t(
                "results.practice_row",
                lang,
                rank=row.rank,
                name=escape(row.name or "—"),
                team=team,
                count=row.score,
                score=plain_number(row.score),
                correct=row.correct,
                answered=row.answered,
            )
        )
    if me is not None:
        lines += [
            "",
            t(
                "results.practice_me",
                lang,
                rank=me.rank,
                total=me.total,
                count=me.score,
                score=plain_number(me.score),
            ),
        ]
    return "\n".join(lines)
