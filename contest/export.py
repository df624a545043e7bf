"""Result workbook (成绩导出): 个人排名, 团队排名, 答题明细, 题目分析, 参与率.

Rows are fetched first, then the workbook is written in a thread (openpyxl is blocking).
Text cells that a spreadsheet would run as a formula are neutralised; times are shown in the
competition's timezone; column widths count CJK characters as two.
"""

from __future__ import annotations

import asyncio
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.boards import team_board, top_individuals
from contest.errors import ContestError
from contest.models import (
    AnswerStatus,
    Attempt,
    AttemptKind,
    AttemptQuestion,
    Competition,
    Standing,
    Worker,
)
from contest.rules import load_rules
from contest.tree import TeamTree, load_tree
from quizbank.formats.csv_ import FORMULA_STARTS
from quizbank.models import OPTION_LETTERS, Question, QuestionType

TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
PERCENT_FORMAT = "0.0%"
MAX_WIDTH = 60
TYPE_LABELS = {
    QuestionType.SINGLE: "单选",
    QuestionType.MULTIPLE: "多选",
    QuestionType.TRUE_FALSE: "判断",
    QuestionType.BLANK: "填空",
}
STATUS_LABELS = {AnswerStatus.ANSWERED: "已作答", AnswerStatus.TIMEOUT: "超时", "pending": "未作答"}


def neutralize_cell(value: Any) -> Any:
    """A text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) gets
    a leading ``'``; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def display_width(value: Any) -> int:
    """Columns a value takes on screen: CJK (wide and full-width) characters count as two."""
    if isinstance(value, datetime):
        return 19
    text = value if isinstance(value, str) else str(value if value is not None else "")
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    formats: dict[int, str] = field(default_factory=dict)  # column index → number format


# --- fetching ------------------------------------------------------------------------------


async def export_results(session: AsyncSession, *, competition_id: int, path: Path | str) -> Path:
    """Write the competition's results workbook to ``path``; returns the path."""
    competition = await session.get(Competition, competition_id)
    if competition is None:
        raise ContestError("competition_not_found", competition_id=competition_id)
    zone = ZoneInfo(competition.timezone)
    tree = await load_tree(session)
    workers = {w.id: w for w in (await session.execute(select(Worker))).scalars()}
    sheets = [
        await _individual_sheet(session, competition, tree, workers, zone),
        await _team_sheet(session, competition),
        *await _answer_sheets(session, competition, tree, workers, zone),
        await _participation_sheet(session, competition, tree, workers),
    ]
    target = Path(path)
    await asyncio.to_thread(write_workbook, target, sheets)
    return target


def _local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    # Excel keeps no zone: write the local wall time, naive.
    return value.astimezone(zone).replace(tzinfo=None) if value else None


def _team_label(tree: TeamTree, team_id: int | None) -> str:
    return " / ".join(tree.path_names(team_id)) if team_id in tree.parent else ""


async def _individual_sheet(
    session: AsyncSession,
    competition: Competition,
    tree: TeamTree,
    workers: dict[int | None, Worker],
    zone: ZoneInfo,
) -> Sheet:
    assert competition.id is not None
    sheet = Sheet(
        "个人排名",
        ["名次", "姓名", "工号", "团队", "得分", "答对题数", "用时(秒)", "完成时间"],
        formats={7: TIME_FORMAT},
    )
    for row in await top_individuals(session, competition_id=competition.id, limit=None):
        worker = workers.get(row.worker_id)
        sheet.rows.append(
            [
                row.rank,
                row.name,
                worker.employee_no if worker else "",
                _team_label(tree, row.team_id),
                row.score,
                row.correct_count,
                round(row.time_used_ms / 1000, 1),
                _local(row.finished_at, zone),
            ]
        )
    return sheet


async def _team_sheet(session: AsyncSession, competition: Competition) -> Sheet:
    assert competition.id is not None
    rules = load_rules(competition.rules)
    sheet = Sheet(
        "团队排名",
        ["名次", "团队", "层级", "得分", "参与人数", "注册人数", "参与率", "计分方式"],
        formats={6: PERCENT_FORMAT},
    )
    for row in await team_board(session, competition_id=competition.id):
        sheet.rows.append(
            [
                row.rank if row.rank is not None else "未排名",
                " / ".join(row.path),
                row.kind,
                row.score,
                row.participants,
                row.registered,
                round(row.participation_rate, 4),
                rules.team.mode.value,
            ]
        )
    return sheet


def format_response(qtype: QuestionType | str, value: Any) -> str:
    """A response or canonical answer as an organiser reads it: "AC", "对", "1978；PDCA"."""
    if value is None:
        return ""
    qtype = QuestionType(qtype)
    if qtype is QuestionType.TRUE_FALSE:
        flag = value[0] if isinstance(value, list) and value else value
        return "对" if flag is True else "错" if flag is False else ""
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        indices = value if isinstance(value, list) else [value]
        return "".join(OPTION_LETTERS[i] for i in sorted(indices) if isinstance(i, int))
    parts = [
        "/".join(item) if isinstance(item, list) else str(item)
        for item in (value if isinstance(value, list) else [value])
    ]
    return "；".join(parts)


@dataclass
class _QuestionStats:
    question: Question
    asked: int = 0
    correct: int = 0
    wrong_choices: Counter[str] = field(default_factory=Counter)


def _wrong_choices(question: Question, response: Any) -> list[str]:
    """What a wrong response chose that is not right: options, 对/错, or blank texts."""
    qtype = QuestionType(question.type)
    if response is None:
        return []
    if qtype is QuestionType.SINGLE:
        return [_option_label(question, response)] if response not in question.answer else []
    if qtype is QuestionType.MULTIPLE:
        return [_option_label(question, i) for i in response if i not in question.answer]
    if qtype is QuestionType.TRUE_FALSE:
        return [format_response(qtype, response)]
    return ["；".join(response)] if isinstance(response, list) else [str(response)]


def _option_label(question: Question, index: int) -> str:
    text = question.options[index] if 0 <= index < len(question.options) else ""
    return f"{OPTION_LETTERS[index]}. {text}"


async def _answer_sheets(
    session: AsyncSession,
    competition: Competition,
    tree: TeamTree,
    workers: dict[int | None, Worker],
    zone: ZoneInfo,
) -> list[Sheet]:
    detail = Sheet(
        "答题明细",
        ["姓名", "工号", "团队", "第几次", "题号", "题型", "题目", "作答", "正确答案",
         "是否正确", "得分", "用时(秒)", "作答时间", "状态"],
        formats={12: TIME_FORMAT},
    )  # fmt: skip
    stats: dict[int, _QuestionStats] = {}
    stmt = (
        select(AttemptQuestion, Attempt, Question)
        .join(Attempt, col(Attempt.id) == col(AttemptQuestion.attempt_id))
        .join(Question, col(Question.id) == col(AttemptQuestion.question_id))
        .where(
            col(Attempt.competition_id) == competition.id,
            col(Attempt.kind) == AttemptKind.COMPETITION,
        )
        .order_by(col(Attempt.worker_id), col(Attempt.number), col(AttemptQuestion.position))
    )
    for aq, attempt, question in (await session.execute(stmt)).all():
        worker = workers.get(attempt.worker_id)
        qtype = QuestionType(question.type)
        detail.rows.append(
            [
                worker.real_name if worker else "",
                (worker.employee_no or "") if worker else "",
                _team_label(tree, worker.team_id if worker else None),
                attempt.number,
                aq.position + 1,
                TYPE_LABELS[qtype],
                question.stem,
                format_response(qtype, aq.response),
                format_response(qtype, question.answer),
                "是" if aq.correct else "否",
                aq.score,
                round(aq.elapsed_ms / 1000, 1),
                _local(aq.answered_at, zone),
                STATUS_LABELS.get(aq.status, str(aq.status)),
            ]
        )
        if aq.status == AnswerStatus.PENDING:
            continue
        entry = stats.setdefault(question.id or 0, _QuestionStats(question))
        entry.asked += 1
        if aq.correct:
            entry.correct += 1
        else:
            entry.wrong_choices.update(_wrong_choices(question, aq.response))
    return [detail, _analysis_sheet(stats)]


def _analysis_sheet(stats: dict[int, _QuestionStats]) -> Sheet:
    sheet = Sheet(
        "题目分析",
        ["题目ID", "题型", "分类", "题目", "正确答案", "作答次数", "答对次数", "正确率",
         "最常选错误项", "选择次数"],
        formats={7: PERCENT_FORMAT},
    )  # fmt: skip
    # Hardest first: that is what the organiser wants to discuss.
    ordered = sorted(stats.values(), key=lambda s: (s.correct / s.asked, s.question.id or 0))
    for entry in ordered:
        q = entry.question
        # most_common keeps first-seen order among equal counts, so ties are deterministic.
        wrong, times = (entry.wrong_choices.most_common(1) or [("", 0)])[0]
        sheet.rows.append(
            [
                q.id,
                TYPE_LABELS[QuestionType(q.type)],
                q.category,
                q.stem,
                format_response(q.type, q.answer),
                entry.asked,
                entry.correct,
                round(entry.correct / entry.asked, 4),
                wrong,
                times,
            ]
        )
    return sheet


async def _participation_sheet(
    session: AsyncSession,
    competition: Competition,
    tree: TeamTree,
    workers: dict[int | None, Worker],
) -> Sheet:
    """Every team at every level: registered members (roster or bot) and those who took part."""
    stmt = select(col(Standing.worker_id)).where(col(Standing.competition_id) == competition.id)
    took_part = set((await session.execute(stmt)).scalars())
    registered: dict[int, int] = defaultdict(int)
    participated: dict[int, int] = defaultdict(int)
    for worker in workers.values():
        if worker.team_id is None or worker.team_id not in tree.parent:
            continue
        for team_id in tree.ancestors(worker.team_id):
            registered[team_id] += 1
            participated[team_id] += worker.id in took_part
    sheet = Sheet(
        "参与率", ["团队", "层级", "注册人数", "参与人数", "参与率"], formats={4: PERCENT_FORMAT}
    )
    for team_id in sorted(tree.parent, key=lambda t: tree.path_names(t)):
        total = registered[team_id]
        sheet.rows.append(
            [
                _team_label(tree, team_id),
                tree.kind[team_id],
                total,
                participated[team_id],
                round(participated[team_id] / total, 4) if total else 0.0,
            ]
        )
    return sheet


# --- writing -------------------------------------------------------------------------------


def write_workbook(path: Path, sheets: list[Sheet]) -> None:
    """Write ``sheets`` (blocking; call through ``asyncio.to_thread``)."""
    workbook = Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title)
        for index, width in enumerate(_widths(spec), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        sheet.append([neutralize_cell(h) for h in spec.headers])
        for row in spec.rows:
            sheet.append([_cell(sheet, spec, i, value) for i, value in enumerate(row)])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def _cell(sheet: Any, spec: Sheet, index: int, value: Any) -> Any:
    fmt = spec.formats.get(index)
    if fmt is None or value is None or isinstance(value, str):
        return neutralize_cell(value)
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = fmt
    return cell


def _widths(spec: Sheet) -> list[float]:
    widths: list[float] = []
    for index, header in enumerate(spec.headers):
        longest = max([display_width(header), *(display_width(r[index]) for r in spec.rows[:5000])])
        widths.append(min(max(longest + 2, 6), MAX_WIDTH))
    return widths
