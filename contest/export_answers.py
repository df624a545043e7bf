"""The answer sheets of the result workbook: 答题明细 (every answer) and 题目分析 (per question)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.models import (
    AnswerStatus,
    Attempt,
    AttemptKind,
    AttemptQuestion,
    Competition,
    Worker,
)
from contest.tree import TeamTree
from contest.workbook import PERCENT_FORMAT, TIME_FORMAT, Sheet
from quizbank.grading import to_displayed
from quizbank.models import OPTION_LETTERS, Question, QuestionType
from storage.ids import id_of

TYPE_LABELS = {
    QuestionType.SINGLE: "单选",
    QuestionType.MULTIPLE: "多选",
    QuestionType.TRUE_FALSE: "判断",
    QuestionType.BLANK: "填空",
}
STATUS_LABELS = {AnswerStatus.ANSWERED: "已作答", AnswerStatus.TIMEOUT: "超时", "pending": "未作答"}

# The columns of 答题明细 and 题目分析.
_DETAIL_COLUMNS = [
    "姓名",
    "工号",
    "团队",
    "第几次",
    "题号",
    "题型",
    "题目",
    "选项（作答时顺序）",
    "作答",
    "正确答案",
    "作答结果",
    "得分",
    "用时(秒)",
    "作答时间",
    "状态",
]
_ANALYSIS_COLUMNS = [
    "题目ID",
    "题型",
    "分类",
    "题目",
    "正确答案",
    "作答次数",
    "答对次数",
    "正确率",
    "最常选错误项",
    "选择次数",
]


def local_wall_time(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """Excel keeps no zone: the local wall time, naive."""
    return value.astimezone(zone).replace(tzinfo=None) if value else None


def team_label(tree: TeamTree, team_id: int | None) -> str:
    """The team's shortest unique path (一车间·甲班), or nothing."""
    return tree.short_label(team_id) if team_id is not None and team_id in tree.parent else ""


def outcome_label(aq: AttemptQuestion) -> str:
    """正确 / 部分正确 / 错误 / 超时 / 未作答: a partly right 多选 is not 错误."""
    if aq.status == AnswerStatus.TIMEOUT:
        return "超时"
    if aq.status != AnswerStatus.ANSWERED:
        return "未作答"
    if aq.correct:
        return "正确"
    return "部分正确" if aq.credit > 0 else "错误"


def format_response(
    qtype: QuestionType | str, value: Any, order: Sequence[int] | None = None
) -> str:
    """A response or canonical answer as an organiser reads it: "AC", "对", "1978；PDCA".

    With ``order`` (the option order one worker saw) choice letters are the ones that worker
    saw and tapped, as their review shows them; without it, the bank's letters.
    """
    if value is None:
        return ""
    qtype = QuestionType(qtype)
    if order and qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        stored = value if isinstance(value, list) else [value]
        value = to_displayed([i for i in stored if isinstance(i, int)], order)
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


def options_as_seen(question: Question, order: Sequence[int] | None) -> str:
    """The options in the order the worker saw them, lettered as they were: "A. 甲  B. 乙"."""
    shown = [question.options[i] for i in order] if order else list(question.options)
    return "  ".join(f"{OPTION_LETTERS[i]}. {text}" for i, text in enumerate(shown))


def _option_label(question: Question, index: int) -> str:
    text = question.options[index] if 0 <= index < len(question.options) else ""
    return f"{OPTION_LETTERS[index]}. {text}"


async def answer_sheets(
    session: AsyncSession,
    competition: Competition,
    tree: TeamTree,
    workers: dict[int | None, Worker],
    zone: ZoneInfo,
) -> list[Sheet]:
    detail = Sheet(
        "答题明细",
        _DETAIL_COLUMNS,
        formats={13: TIME_FORMAT},
    )
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
                team_label(tree, worker.team_id if worker else None),
                attempt.number,
                aq.position + 1,
                TYPE_LABELS[qtype],
                question.stem,
                options_as_seen(question, aq.option_order),
                format_response(qtype, aq.response, aq.option_order),
                format_response(qtype, question.answer, aq.option_order),
                outcome_label(aq),
                aq.score,
                round(aq.elapsed_ms / 1000, 1),
                local_wall_time(aq.answered_at, zone),
                STATUS_LABELS.get(aq.status, str(aq.status)),
            ]
        )
        if aq.status == AnswerStatus.PENDING:
            continue
        entry = stats.setdefault(id_of(question), _QuestionStats(question))
        entry.asked += 1
        if aq.correct:
            entry.correct += 1
        else:
            entry.wrong_choices.update(_wrong_choices(question, aq.response))
    return [detail, _analysis_sheet(stats)]


def _analysis_sheet(stats: dict[int, _QuestionStats]) -> Sheet:
    sheet = Sheet(
        "题目分析",
        _ANALYSIS_COLUMNS,
        formats={7: PERCENT_FORMAT},
    )
    # Hardest first: that is what the organiser wants to discuss.
    ordered = sorted(stats.values(), key=lambda s: (s.correct / s.asked, id_of(s.question)))
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
