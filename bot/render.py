"""HTML rendering of quiz screens: every text from the catalogues, every user text escaped.

Pure functions from the core's records to strings (boards and results are in
:mod:`bot.board_texts`). Refusals are translated by
:func:`bot.errors.error_text` (re-exported here for older imports).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from bot.errors import error_text as error_text
from contest.models import AttemptKind
from contest.quizview import Feedback, QuestionView, Summary
from contest.scoring import format_score
from i18n import t
from quizbank.models import OPTION_LETTERS, QuestionType


def plain_number(value: float) -> str:
    """2.0 → "2", 1.5 → "1.5": points read like people write them."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _clock(when: datetime, tz: str) -> str:
    return when.astimezone(ZoneInfo(tz)).strftime("%H:%M:%S")


def duration(ms: int, lang: str) -> str:
    minutes, seconds = divmod(max(ms, 0) // 1000, 60)
    if not minutes:
        return t("quiz.duration_seconds", lang, s=seconds)
    return t("quiz.duration", lang, m=minutes, s=f"{seconds:02d}")


# --- questions -----------------------------------------------------------------------------


def question_text(
    view: QuestionView, lang: str, *, note: str | None = None, now: datetime | None = None
) -> str:
    """Header (第 3/20 题 · 单选题 · 2 分), time to answer, stem, lettered options.

    ``now`` is when the message goes out: the seconds left are counted from it.
    """
    lines = []
    if note:
        lines += [note, ""]
    if view.title:
        lines.append(f"<b>{escape(view.title)}</b>")
    lines.append(
        t(
            "quiz.header",
            lang,
            n=view.position + 1,
            total=view.total,
            type=t(f"quiz.type.{view.qtype.value}", lang),
            count=view.points,
            points=plain_number(view.points),
        )
    )
    deadline = _deadline(view, now)
    if deadline is not None:
        start = now or view.presented_at or deadline
        seconds = max(math.ceil((deadline - start).total_seconds()), 0)
        lines.append(t("quiz.deadline", lang, count=seconds, time=_clock(deadline, view.timezone)))
    lines += ["", escape(view.stem), ""]
    for i, option in enumerate(view.options):
        mark = "✅ " if i in view.selection else ""
        lines.append(f"{mark}{OPTION_LETTERS[i]}. {escape(option)}")
    if view.qtype is QuestionType.MULTIPLE:
        lines.append("")
        lines.append(t("quiz.multiple_hint", lang))
    if view.qtype is QuestionType.BLANK:
        if view.blanks > 1:
            lines.append(t("quiz.blank_hint_many", lang, count=view.blanks))
        else:
            lines.append(t("quiz.blank_hint", lang))
    return "\n".join(lines).strip()


def _deadline(view: QuestionView, now: datetime | None) -> datetime | None:
    """A question first shown now has its whole limit from now (its clock starts when
    Telegram accepts it); one shown again keeps the deadline it has."""
    if view.deadline_at is None:
        return None
    if not view.fresh or now is None or view.limit_s is None:
        return view.deadline_at
    deadline = now + timedelta(seconds=view.limit_s)
    return min(deadline, view.attempt_deadline_at) if view.attempt_deadline_at else deadline


def _answer_text(feedback: Feedback, lang: str) -> str:
    answer = feedback.answer or []
    if feedback.qtype is QuestionType.TRUE_FALSE:
        return t("quiz.true" if answer and answer[0] else "quiz.false", lang)
    if feedback.qtype is QuestionType.BLANK:
        return "；".join(escape(str(text)) for text in answer)
    return "".join(OPTION_LETTERS[i] for i in answer)


def toast(feedback: Feedback, lang: str) -> str:
    """The short answer to the button press (≤ 200 characters)."""
    if feedback.timeout:
        return t("quiz.toast.timeout", lang)
    if not feedback.show_correctness:
        return t("quiz.toast.recorded", lang)
    if feedback.correct:
        return t(
            "quiz.toast.correct", lang, count=feedback.score, points=plain_number(feedback.score)
        )
    if feedback.credit > 0:
        return t(
            "quiz.toast.partial", lang, count=feedback.score, points=plain_number(feedback.score)
        )
    return t("quiz.toast.wrong", lang)


def feedback_line(feedback: Feedback, lang: str) -> str:
    """One line about the previous question, shown above the next one."""
    return t("quiz.previous", lang, n=feedback.position + 1, result=toast(feedback, lang))


def feedback_text(feedback: Feedback, lang: str) -> str:
    """Right or wrong, and when the rules allow, the correct answer and the explanation (解析)."""
    lines = [f"<b>{feedback_line(feedback, lang)}</b>"]
    if feedback.answer is not None:
        lines.append(t("quiz.correct_answer", lang, answer=_answer_text(feedback, lang)))
    if feedback.explanation:
        lines.append(t("quiz.explanation", lang, text=escape(feedback.explanation)))
    return "\n".join(lines)


def missed_text(missed: Iterable[Feedback], lang: str) -> str | None:
    """What timed out while the worker was away, with the answer when the rules show it."""
    lines = []
    for feedback in missed:
        line = t("quiz.missed", lang, n=feedback.position + 1)
        if feedback.answer is not None:
            answer = t("quiz.correct_answer", lang, answer=_answer_text(feedback, lang))
            line = f"{line}\n{answer}"
        lines.append(line)
    return "\n".join(lines) or None


def summary_text(summary: Summary, lang: str) -> str:
    if summary.kind == AttemptKind.PRACTICE:
        lines = [t("quiz.summary.practice_title", lang)]
    else:
        lines = [t("quiz.summary.title", lang, name=escape(summary.title))]
    if summary.ended is not None:  # it ended without the worker: say why
        lines.append(t(f"quiz.summary.ended.{summary.ended}", lang, name=escape(summary.title)))
        if summary.unanswered:
            lines.append(t("quiz.summary.unanswered", lang, count=summary.unanswered))
    score = format_score(summary.score, summary.precision)
    lines.append(t("quiz.summary.score", lang, count=summary.score, score=score))
    lines.append(
        t("quiz.summary.correct", lang, correct=summary.correct_count, total=summary.question_count)
    )
    lines.append(t("quiz.summary.time", lang, time=duration(summary.time_used_ms, lang)))
    if summary.rank is not None:
        rank = t("quiz.summary.rank", lang, rank=summary.rank.rank, total=summary.rank.total)
        lines.append(rank + (t("scores.tied_mark", lang) if summary.rank.tied else ""))
    if summary.attempts_left:
        lines.append(t("quiz.summary.attempts_left", lang, count=summary.attempts_left))
    elif summary.attempts_left == 0:
        lines.append(t("quiz.summary.no_attempts_left", lang))
    if summary.kind == AttemptKind.PRACTICE:
        lines.append(t("quiz.summary.streak", lang, count=summary.streak))
    return "\n".join(lines)
