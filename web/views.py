"""The core's records as JSON for the browser quiz (displayed option order only, as in chat)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from contest.models import Competition
from contest.quizview import Feedback, QuestionView, Step, Summary
from contest.review import ReviewItem
from contest.rules import load_rules
from i18n import t


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def question_json(view: QuestionView, *, now: datetime) -> dict[str, Any]:
    remaining = None
    if view.deadline_at is not None:
        remaining = max(int((view.deadline_at - now).total_seconds() * 1000), 0)
    return {
        "type": "question",
        "attempt_id": view.attempt_id,
        "kind": view.kind.value,
        "title": view.title,
        "position": view.position,
        "total": view.total,
        "qtype": view.qtype.value,
        "stem": view.stem,
        "options": list(view.options),
        "points": view.points,
        "deadline_at": _iso(view.deadline_at),
        "remaining_ms": remaining,
        "limit_s": view.limit_s,
        "blanks": view.blanks,
    }


def feedback_json(feedback: Feedback) -> dict[str, Any]:
    data = asdict(feedback)
    data["qtype"] = feedback.qtype.value
    return data


def summary_json(summary: Summary, *, review: bool) -> dict[str, Any]:
    return {
        "type": "summary",
        "attempt_id": summary.attempt_id,
        "kind": summary.kind.value,
        "status": summary.status.value,
        "title": summary.title,
        "score": summary.score,
        "correct_count": summary.correct_count,
        "question_count": summary.question_count,
        "time_used_ms": summary.time_used_ms,
        "rank": {"rank": summary.rank.rank, "total": summary.rank.total} if summary.rank else None,
        "attempts_left": summary.attempts_left,
        "streak": summary.streak,
        "competition_id": summary.competition_id,
        "review": review,
    }


def step_json(step: Step, *, now: datetime, review: bool) -> dict[str, Any]:
    return {
        "type": "step",
        "outcome": step.outcome,
        "attempt_id": step.attempt_id,
        "paused": step.paused,
        "feedback": feedback_json(step.feedback) if step.feedback else None,
        "next": question_json(step.next, now=now) if step.next else None,
        "summary": summary_json(step.summary, review=review) if step.summary else None,
    }


def review_json(items: list[ReviewItem]) -> list[dict[str, Any]]:
    return [{**asdict(item), "qtype": item.qtype.value} for item in items]


def competition_json(competition: Competition, lang: str) -> dict[str, Any]:
    rules = load_rules(competition.rules)
    return {
        "id": competition.id,
        "name": competition.name,
        "rules": t(
            "web.quiz.rules",
            lang,
            count=rules.question_count,
            seconds=rules.question_time_limit_s,
            attempts=rules.attempts_allowed,
        ),
        "ends_at": competition.ends_at.isoformat(),
        "timezone": competition.timezone,
    }
