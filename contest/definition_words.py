"""A competition definition's problems in the organiser's words: where (a field they know —
组卷第 1 行, 整卷限时) and what (a sentence), never a path such as ``rules.composition.0``.

Every edge that shows a refused definition (the chat, the CLI) renders issues with
:func:`issue_text`; the codes are ours (``bank_short``, ``ends_before_start``) or pydantic's
(``greater_than_equal``, ``missing``), whose limits come in the issue's params.
"""

from __future__ import annotations

import re
from typing import Any

from contest.errors import DefinitionIssue
from i18n import catalogue, t

# A location with its numbers as "#" → the field's name under ``contest.field``.
FIELDS = {
    "name": "name",
    "description": "description",
    "timezone": "timezone",
    "starts_at": "starts_at",
    "ends_at": "ends_at",
    "status": "status",
    "rules": "rules",
    "rules.source": "source",
    "rules.source.sets": "source",
    "rules.source.categories": "source",
    "rules.paper": "paper",
    "rules.composition": "composition",
    "rules.composition.#": "composition_line",
    "rules.composition.#.type": "composition_type",
    "rules.composition.#.count": "composition_count",
    "rules.composition.#.category": "composition_line",
    "rules.composition.#.difficulty": "composition_line",
    "rules.composition.#.points": "composition_line",
    "rules.question_time_limit_s": "question_time",
    "rules.total_time_limit_s": "total_time",
    "rules.attempts_allowed": "attempts",
    "rules.attempts_per_day": "attempts_per_day",
    "rules.team": "team",
    "rules.team.mode": "team",
    "rules.team.top_n": "team",
    "rules.team.level": "team_level",
    "rules.announce": "announce",
    "rules.announce.cron": "announce",
    "rules.announce.reminder_time": "reminder_time",
}
_NUMBER = re.compile(r"(?<=\.)\d+(?=\.|$)")
_SHOWN_INPUT = 40


def field_name(loc: str, lang: str) -> str:
    """组卷第 2 行 / 整卷限时 / 「rules.foo」 for a location nobody named."""
    numbers = [int(n) for n in _NUMBER.findall(loc)]
    known = FIELDS.get(_NUMBER.sub("#", loc))
    if known is None:
        return t("contest.field.unknown", lang, path=loc.removeprefix("rules.") or "-")
    return t(f"contest.field.{known}", lang, n=(numbers[0] + 1) if numbers else 1)


def issue_text(issue: DefinitionIssue, lang: str) -> str:
    """One problem as a sentence: "组卷第 1 行：每份试卷需要 10 道单选题，但……" (plain text)."""
    what = _what(issue, lang)
    if not issue.loc or issue.code.startswith("yaml_") or issue.code == "not_a_mapping":
        return what
    if issue.code == "extra_forbidden":
        return t("contest.issue.extra_forbidden", lang, path=issue.loc.removeprefix("rules."))
    return t("contest.issue.where", lang, where=field_name(issue.loc, lang), what=what)


def _what(issue: DefinitionIssue, lang: str) -> str:
    key = f"contest.issue.{issue.code}"
    if key not in catalogue(lang):
        return t("contest.issue.other", lang, message=issue.message)
    params: dict[str, Any] = {"message": issue.message, **issue.params}
    if "type" in params:
        params["type"] = t(f"quiz.type.{params['type']}", lang)
    if "input" in params:
        params["input"] = str(params["input"])[:_SHOWN_INPUT]
    try:
        return t(key, lang, **params)
    except (KeyError, IndexError):  # a limit pydantic did not report
        return t("contest.issue.other", lang, message=issue.message)


def pydantic_params(error: Any) -> dict[str, Any]:
    """The limits and the value of one pydantic error, as an issue's params."""
    context = dict(error.get("ctx") or {})
    params = {k: v for k, v in context.items() if isinstance(v, int | float | str)}
    value = error.get("input")
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        params["input"] = value
    return params
