"""The quiz screens' texts for the messenger cards, from the same catalogues as Telegram.

Cards take Markdown-light text (``**bold**`` and new lines), so the catalogues' few HTML tags
become Markdown here (:func:`plain`) and user text goes in as it is (a card shows no HTML).
Pure functions of the core's records.
"""

from __future__ import annotations

import html
import math
import re
from contextlib import suppress
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from contest.definition_words import issue_text
from contest.errors import ContestError, DefinitionRejected
from contest.models import AttemptKind
from contest.offers import Offer
from contest.quizview import Feedback, QuestionView, Summary
from contest.review import ReviewItem
from contest.scoring import format_score
from contest.workers import Profile
from i18n import catalogue, t
from quizbank.models import OPTION_LETTERS, QuestionType

_TAG = re.compile(r"</?(?:b|strong)>")
_OTHER_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """A catalogue text for a card: <b> becomes **, other tags go, entities are decoded."""
    return html.unescape(_OTHER_TAG.sub("", _TAG.sub("**", text)))


def tr(key: str, lang: str, **params: object) -> str:
    return plain(t(key, lang, **params))


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def error_text(error: ContestError, lang: str) -> str:
    """A refusal in the reader's language, with a refused definition's problems in words
    (an organiser's 开始 on a paper the bank cannot fill); a code without a text reads
    generically."""
    text = tr("quiz.error.generic", lang)
    for prefix in ("quiz.error", "contest.error", "messenger.error", "admin.error"):
        key = f"{prefix}.{error.code}"
        if key in catalogue(lang) or key in catalogue("zh"):
            with suppress(KeyError, IndexError):  # a parameter the text needs was not given
                text = tr(key, lang, **error.params)
            break
    if isinstance(error, DefinitionRejected):
        text = "\n".join([text, *(f"• {issue_text(issue, lang)}" for issue in error.issues)])
    return text


def question_text(view: QuestionView, lang: str, *, now: datetime, note: str | None) -> str:
    """Header, the time to answer (counted from ``now``), the stem, lettered options."""
    lines = [note, ""] if note else []
    header = t(
        "quiz.header",
        lang,
        n=view.position + 1,
        total=view.total,
        type=t(f"quiz.type.{view.qtype.value}", lang),
        count=view.points,
        points=_num(view.points),
    )
    lines.append(f"**{plain(header)}**")
    deadline = _deadline(view, now)
    if deadline is not None:
        seconds = max(math.ceil((deadline - now).total_seconds()), 0)
        local = deadline.astimezone(ZoneInfo(view.timezone)).strftime("%H:%M:%S")
        lines.append(tr("quiz.deadline", lang, count=seconds, time=local))
    lines += ["", view.stem, ""]
    for i, option in enumerate(view.options):
        mark = "✅ " if i in view.selection else ""
        lines.append(f"{mark}{OPTION_LETTERS[i]}. {option}")
    if view.qtype is QuestionType.MULTIPLE:
        lines += ["", tr("quiz.multiple_hint", lang)]
    if view.qtype is QuestionType.BLANK:
        lines.append(tr("messenger.blank_hint", lang, count=max(view.blanks, 1)))
    return "\n".join(lines).strip()


def _deadline(view: QuestionView, now: datetime) -> datetime | None:
    """A question first shown now has its whole limit from now; one shown again keeps its."""
    if view.deadline_at is None:
        return None
    if not view.fresh or view.limit_s is None:
        return view.deadline_at
    deadline = now + timedelta(seconds=view.limit_s)
    return min(deadline, view.attempt_deadline_at) if view.attempt_deadline_at else deadline


def answer_text(qtype: QuestionType, answer: list[object] | None, lang: str) -> str:
    answer = answer or []
    if qtype is QuestionType.TRUE_FALSE:
        return tr("quiz.true" if answer and answer[0] else "quiz.false", lang)
    if qtype is QuestionType.BLANK:
        return "；".join(str(text) for text in answer)
    return "".join(OPTION_LETTERS[int(str(i))] for i in answer)


def verdict(feedback: Feedback, lang: str) -> str:
    """Right, wrong, partly right, late or recorded: one short line."""
    if feedback.timeout:
        return tr("quiz.toast.timeout", lang)
    if not feedback.show_correctness:
        return tr("quiz.toast.recorded", lang)
    points = _num(feedback.score)
    if feedback.correct:
        return tr("quiz.toast.correct", lang, count=feedback.score, points=points)
    if feedback.credit > 0:
        return tr("quiz.toast.partial", lang, count=feedback.score, points=points)
    return tr("quiz.toast.wrong", lang)


def feedback_text(feedback: Feedback, lang: str, *, full: bool) -> str:
    """The previous question's verdict; with ``full``, the answer and 解析 as the rules allow."""
    lines = [
        f"**{tr('quiz.previous', lang, n=feedback.position + 1, result=verdict(feedback, lang))}**"
    ]
    if full and feedback.answer is not None:
        answer = answer_text(feedback.qtype, feedback.answer, lang)
        lines.append(tr("quiz.correct_answer", lang, answer=answer))
    if full and feedback.explanation:
        lines.append(tr("quiz.explanation", lang, text=feedback.explanation))
    return "\n".join(lines)


def missed_text(missed: tuple[Feedback, ...], lang: str) -> str | None:
    lines = [tr("quiz.missed", lang, n=f.position + 1) for f in missed]
    return "\n".join(lines) or None


def summary_text(summary: Summary, lang: str) -> str:
    if summary.kind == AttemptKind.PRACTICE:
        lines = [tr("quiz.summary.practice_title", lang)]
    else:
        lines = [tr("quiz.summary.title", lang, name=summary.title)]
    if summary.ended is not None:
        lines.append(tr(f"quiz.summary.ended.{summary.ended}", lang, name=summary.title))
        if summary.unanswered:
            lines.append(tr("quiz.summary.unanswered", lang, count=summary.unanswered))
    score = format_score(summary.score, summary.precision)
    lines.append(tr("quiz.summary.score", lang, count=summary.score, score=score))
    lines.append(
        tr(
            "quiz.summary.correct",
            lang,
            correct=summary.correct_count,
            total=summary.question_count,
        )
    )
    minutes, seconds = divmod(max(summary.time_used_ms, 0) // 1000, 60)
    used = (
        tr("quiz.duration", lang, m=minutes, s=f"{seconds:02d}")
        if minutes
        else (tr("quiz.duration_seconds", lang, s=seconds))
    )
    lines.append(tr("quiz.summary.time", lang, time=used))
    if summary.rank is not None:
        lines.append(
            tr("quiz.summary.rank", lang, rank=summary.rank.rank, total=summary.rank.total)
        )
    if summary.attempts_left:
        lines.append(tr("quiz.summary.attempts_left", lang, count=summary.attempts_left))
    elif summary.attempts_left == 0:
        lines.append(tr("quiz.summary.no_attempts_left", lang))
    if summary.kind == AttemptKind.PRACTICE:
        lines.append(tr("quiz.summary.streak", lang, count=summary.streak))
    return "\n".join(lines)


def offers_text(offers: list[Offer], lang: str) -> str:
    """The open competitions: when each closes, its paper, the worker's attempts left."""
    lines = [tr("quiz.choose_competition", lang)]
    for offer in offers:
        closes = offer.ends_at.astimezone(ZoneInfo(offer.timezone)).strftime("%m-%d %H:%M")
        lines += [
            "",
            f"**{offer.name}**",
            tr(
                "messenger.offer",
                lang,
                closes=closes,
                count=offer.question_count,
                left=offer.attempts_left,
            ),
        ]
    return "\n".join(lines)


def review_text(items: list[ReviewItem], lang: str) -> str:
    """The wrong answers of a finished attempt: question, what was given, the answer, 解析."""
    if not items:
        return tr("messenger.review_none", lang)
    lines = [f"**{tr('messenger.review_title', lang, count=len(items))}**"]
    for item in items:
        lines += ["", f"{item.position + 1}. {item.stem}"]
        lines += [f"{OPTION_LETTERS[i]}. {option}" for i, option in enumerate(item.options)]
        given = (
            tr("quiz.toast.timeout", lang)
            if item.given is None
            else answer_text(item.qtype, item.given, lang)
        )
        lines.append(tr("messenger.review_given", lang, given=given))
        lines.append(
            tr("quiz.correct_answer", lang, answer=answer_text(item.qtype, item.answer, lang))
        )
        if item.explanation:
            lines.append(tr("quiz.explanation", lang, text=item.explanation))
    return "\n".join(lines)


def profile_text(me: Profile, lang: str) -> str:
    none = tr("profile.none", lang)
    return "\n".join(
        [
            tr("profile.title", lang),
            tr("profile.name", lang, name=me.real_name),
            tr("profile.employee_no", lang, value=me.employee_no or none),
            tr("profile.team", lang, team=" / ".join(me.team_path) or none),
            tr("profile.language", lang, language=tr(f"profile.languages.{me.language}", lang)),
        ]
    )
