"""Result workbook (成绩导出): 个人排名, 团队排名, 答题明细, 题目分析, 参与率, 未参与名单, 竞赛规则.

The numbers are the boards' own (``contest.ranking``, after a refresh of the team standings),
so the export agrees with /stats, the group text and the picture: places shared (并列) by
the same rule, teams by their shortest unique path (一车间·甲班, with the full path beside),
scores at the competition's precision, the same participants over the same denominators,
and the members who did not take part listed by name so a team leader can chase them.
Rows are fetched first, then the workbook is written in a thread (openpyxl is blocking).
Text cells that a spreadsheet would run as a formula are neutralised; times are shown in the
competition's timezone; column widths count CJK characters as two.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import ContestError
from contest.export_answers import (
    answer_sheets,
    format_response,
    local_wall_time,
    outcome_label,
    team_label,
)
from contest.export_rules import rule_rows, team_mode_label
from contest.models import AttemptQuestion, Competition, Standing, Worker
from contest.names import path_key
from contest.papers import full_marks, score_style
from contest.ranking import team_board, top_individuals
from contest.rules import rules_of
from contest.scoring import ScoreStyle, percent_of, question_value, round_score
from contest.standings import refresh_team_standings, team_totals
from contest.tree import TeamTree, load_tree
from contest.workbook import (
    PERCENT_FORMAT,
    TIME_FORMAT,
    Sheet,
    display_width,
    neutralize_cell,
    write_workbook,
)
from quizbank.models import Question, QuestionType
from storage.ids import id_of
from storage.types import Clock, utcnow

__all__ = [
    "display_width",
    "export_results",
    "format_response",
    "neutralize_cell",
    "outcome_label",
    "write_workbook",
]

# The columns of 个人排名 and 团队排名.
_INDIVIDUAL_COLUMNS = [
    "名次",
    "并列",
    "姓名",
    "工号",
    "团队",
    "得分",
    "得分率",
    "答对题数",
    "用时(秒)",
    "完成时间",
    "备注",
]
_TEAM_COLUMNS = [
    "名次",
    "并列",
    "团队",
    "完整路径",
    "层级",
    "得分",
    "参与人数",
    "应参与人数",
    "参与率",
    "计分方式",
]


# --- fetching ------------------------------------------------------------------------------


async def export_results(
    session: AsyncSession,
    *,
    competition_id: int,
    path: Path | str,
    clock: Clock = utcnow,
) -> Path:
    """Write the competition's results workbook to ``path``; returns the path.

    Refreshes the team standings first (flushed in the caller's transaction), so every
    sheet reads the same numbers.
    """
    competition = await session.get(Competition, competition_id)
    if competition is None:
        raise ContestError("competition_not_found", competition_id=competition_id)
    await refresh_team_standings(session, competition_id=competition_id, clock=clock)
    await session.flush()
    zone = ZoneInfo(competition.timezone)
    tree = await load_tree(session)
    workers = {w.id: w for w in (await session.execute(select(Worker))).scalars()}
    style = await score_style(session, competition=competition)
    rules = rules_of(competition)
    marks = await full_marks(session, competition=competition, rules=rules)
    sheets = [
        await _individual_sheet(session, competition, style, workers, zone, marks),
        await _team_sheet(session, competition, tree),
        *await answer_sheets(session, competition, tree, workers, zone),
        await _participation_sheet(session, competition, tree),
        await _absent_sheet(session, competition, tree, workers),
        Sheet("竞赛规则", ["项目", "设置"], rule_rows(rules, style, marks)),
    ]
    target = Path(path)
    await asyncio.to_thread(write_workbook, target, sheets)
    return target


def _team_path(tree: TeamTree, team_id: int | None) -> str:
    return " / ".join(tree.path_names(team_id)) if team_id in tree.parent else ""


async def _individual_sheet(
    session: AsyncSession,
    competition: Competition,
    style: ScoreStyle,
    workers: dict[int | None, Worker],
    zone: ZoneInfo,
    marks: float | None,
) -> Sheet:
    """个人排名; 得分率 over the paper's 满分, or — when papers differ — over the 满分 of the
    paper each worker's counted attempt drew."""
    assert competition.id is not None
    own = {} if marks else await _paper_marks(session, competition)
    sheet = Sheet(
        "个人排名",
        _INDIVIDUAL_COLUMNS,
        formats={6: PERCENT_FORMAT, 9: TIME_FORMAT},
    )
    for row in await top_individuals(session, competition_id=competition.id, limit=None):
        worker = workers.get(row.worker_id)
        share = percent_of(row.score, marks or own.get(row.worker_id))
        sheet.rows.append(
            [
                row.rank,
                "并列" if row.tied else "",
                row.name,
                worker.employee_no if worker else "",
                row.team_label or "",
                round_score(row.score, style.precision),
                round(share / 100, 4) if share is not None else None,
                row.correct_count,
                round(row.time_used_ms / 1000, 1),
                local_wall_time(row.finished_at, zone),
                "待确认" if worker is not None and worker.pending else "",
            ]
        )
    return sheet


async def _paper_marks(session: AsyncSession, competition: Competition) -> dict[int, float]:
    """Worker → 满分 of the paper their counted attempt drew."""
    scoring = rules_of(competition).scoring
    rows = await session.execute(
        select(col(Standing.worker_id), col(Question.type), col(Question.points))
        .join(AttemptQuestion, col(AttemptQuestion.attempt_id) == col(Standing.attempt_id))
        .join(Question, col(Question.id) == col(AttemptQuestion.question_id))
        .where(col(Standing.competition_id) == competition.id)
    )
    out: dict[int, float] = {}
    for worker_id, qtype, points in rows.all():
        value = question_value(question_points=points, qtype=QuestionType(qtype), rules=scoring)
        out[worker_id] = out.get(worker_id, 0.0) + value
    return out


async def _team_sheet(session: AsyncSession, competition: Competition, tree: TeamTree) -> Sheet:
    assert competition.id is not None
    rules = rules_of(competition)
    sheet = Sheet(
        "团队排名",
        _TEAM_COLUMNS,
        formats={8: PERCENT_FORMAT},
    )
    for row in await team_board(session, competition_id=competition.id):
        sheet.rows.append(
            [
                row.rank if row.rank is not None else "未排名",
                "并列" if row.tied else "",
                row.label,
                " / ".join(row.path),
                row.kind,
                round_score(row.score, rules.precision),
                row.participants,
                row.registered,
                round(row.participation_rate, 4),
                team_mode_label(rules),
            ]
        )
    return sheet


async def _participation_sheet(
    session: AsyncSession, competition: Competition, tree: TeamTree
) -> Sheet:
    """Every team at every level: members who can take part, and those who did (the team
    standings' own counts, so they match the 团队排名 sheet and /stats)."""
    totals = await team_totals(session, competition_id=id_of(competition))
    sheet = Sheet(
        "参与率",
        ["团队", "完整路径", "层级", "应参与人数", "参与人数", "参与率"],
        formats={5: PERCENT_FORMAT},
    )
    for team_id in sorted(tree.parent, key=lambda t: path_key(tree.path_names(t))):
        values = totals.get(team_id, {"registered": 0, "participants": 0})
        total, took_part = values["registered"], values["participants"]
        sheet.rows.append(
            [
                team_label(tree, team_id),
                _team_path(tree, team_id),
                tree.kind[team_id],
                total,
                took_part,
                round(took_part / total, 4) if total else 0.0,
            ]
        )
    return sheet


async def _absent_sheet(
    session: AsyncSession,
    competition: Competition,
    tree: TeamTree,
    workers: dict[int | None, Worker],
) -> Sheet:
    """未参与名单: members who can take part and have not started, by team, by name."""
    stmt = select(col(Standing.worker_id)).where(col(Standing.competition_id) == competition.id)
    took_part = set((await session.execute(stmt)).scalars())
    sheet = Sheet("未参与名单", ["团队", "完整路径", "姓名", "工号", "已注册", "Telegram 用户名"])
    absent = [w for w in workers.values() if w.id not in took_part and not w.pending]
    absent.sort(key=lambda w: (_team_path(tree, w.team_id), w.real_name, w.employee_no or ""))
    for w in absent:
        sheet.rows.append(
            [
                team_label(tree, w.team_id) or "未分组",
                _team_path(tree, w.team_id),
                w.real_name,
                w.employee_no or "",
                "是" if w.registered_at is not None and w.telegram_id is not None else "否",
                f"@{w.username}" if w.username else "",
            ]
        )
    return sheet
