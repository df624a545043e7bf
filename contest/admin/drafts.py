"""A competition drafted step by step (/new_competition): the answers, what they mean, and
the definition they make — everything a YAML file can say that matters.

The answers are a plain mapping (the bot keeps it in the conversation state, so a draft
survives a restart); :func:`definition` turns it into the same mapping a YAML file holds,
checked by ``contest.competitions.parse_definition``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import distinct, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.competitions import parse_definition
from contest.errors import DefinitionIssue, DefinitionRejected
from contest.models import Team
from contest.papers import plan_rules
from contest.practice_rounds import load_candidates
from contest.rules import LEAF_LEVEL, TYPE_ALIASES, TeamMode
from contest.teams import team_overview
from quizbank.models import QuestionType
from quizbank.service import bank_stats

TIME_FORMAT = "%Y-%m-%d %H:%M"
# Offered first: a team's average over its registered members, so a team with one keen
# member out of five is not ranked first (a plain sum favours big teams).
TEAM_MODES = (TeamMode.AVG_REGISTERED, TeamMode.AVG_PARTICIPANTS, TeamMode.SUM, TeamMode.TOP_N_AVG)
TOP_N_DEFAULT = 5
QUESTION_SECONDS = (20, 30, 60)
TOTAL_MINUTES = (0, 3, 5, 10, 15, 20, 30)  # 0: no limit for the whole paper
# A paper fitted to what the bank holds, when no usual mix fits: at most this many per type.
FITTED = {
    QuestionType.SINGLE: 10,
    QuestionType.MULTIPLE: 5,
    QuestionType.TRUE_FALSE: 5,
    QuestionType.BLANK: 5,
}
ATTEMPTS = (1, 2, 3)
_TYPES = "|".join(sorted((re.escape(k) for k in TYPE_ALIASES), key=len, reverse=True))
_ITEM = re.compile(rf"(\d+)\s*(?:道|题)?\s*({_TYPES})|({_TYPES})\s*(\d+)")
_DURATION = re.compile(
    r"^(?:(\d+)(?:分钟|分|minutes?|mins?|m))?(?:(\d+)(?:秒钟|秒|seconds?|secs?|s)?)?$"
)
_NO_LIMIT = {"不限", "不限时", "无", "none", "no", "nolimit", "0", "off"}
_ALL = {"全部", "所有", "all", "*", "全部题库"}


def _normal(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def parse_composition(text: str) -> list[dict[str, Any]]:
    """ "10 单选 5 多选 5 判断" or "单选10，多选5" → composition items (empty if none)."""
    items: list[dict[str, Any]] = []
    for match in _ITEM.finditer(unicodedata.normalize("NFKC", text)):
        count = match.group(1) or match.group(4)
        label = match.group(2) or match.group(3)
        items.append({"type": TYPE_ALIASES[label].value, "count": int(count)})
    return items


def parse_seconds(text: str) -> int | None:
    """ "30", "30秒", "1分钟", "2分30秒", "90s" → seconds; 不限 → 0; None if not a duration."""
    words = _normal(text)
    if words in _NO_LIMIT:
        return 0
    match = _DURATION.match(words)
    if match is None or not words:
        return None
    minutes, seconds = match.groups()
    return int(minutes or 0) * 60 + int(seconds or 0)


def parse_minutes(text: str) -> int | None:
    """A whole paper's limit: "20", "20分钟", "整卷限时 30 分钟", "1小时" → minutes; 不限 → 0."""
    words = re.sub(r"^(?:整卷限时|整卷|全卷|限时|总共|共)+", "", _normal(text))
    if words in _NO_LIMIT:
        return 0
    if words in ("半小时", "halfanhour"):
        return 30
    match = re.fullmatch(r"(\d+)(?:分钟|分|min|minutes?|m)?", words)
    if match:
        return int(match.group(1))
    hours = re.fullmatch(r"(\d+)(?:个)?(?:小时|钟头|h|hours?)", words)
    return int(hours.group(1)) * 60 if hours else None


def parse_count(text: str) -> int | None:
    """ "3" or "3次" → 3."""
    match = re.fullmatch(r"(\d+)(?:次|times?|x)?", _normal(text))
    return int(match.group(1)) if match else None


def parse_names(text: str) -> list[str] | None:
    """Question sets or categories typed as "安全, 质量 ; 5S"; 全部 → [] (no restriction)."""
    if _normal(text) in _ALL:
        return []
    names = [n.strip() for n in re.split(r"[,，;；、\n]+", text) if n.strip()]
    return names or None


@dataclass(frozen=True)
class BankChoices:
    sets: list[str]
    categories: list[str]


async def bank_choices(session: AsyncSession) -> BankChoices:
    """The question sets and categories there are to choose from (biggest first)."""
    stats = await bank_stats(session)
    sets = [name for name, _ in sorted(stats.by_set.items(), key=lambda kv: -kv[1])]
    categories = [c for c, _ in sorted(stats.by_category.items(), key=lambda kv: -kv[1]) if c]
    return BankChoices(sets, categories)


async def team_levels(session: AsyncSession) -> list[str]:
    """The team levels there are (部门, 车间, 班组 …), top level first."""
    depth: dict[str, int] = {}
    for line in await team_overview(session):
        if line.kind:
            depth[line.kind] = min(depth.get(line.kind, line.depth), line.depth)
    if not depth:
        kinds = (await session.execute(select(distinct(col(Team.kind))))).scalars()
        depth = {k: 0 for k in kinds if k}
    return sorted(depth, key=lambda kind: (depth[kind], kind))


def definition(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The definition mapping (as in a YAML file) the dialog's answers make."""
    rules: dict[str, Any] = {
        "source": {
            "sets": list(answers.get("sets") or []),
            "categories": list(answers.get("categories") or []),
        },
        "composition": list(answers.get("composition") or []),
        "question_time_limit_s": answers.get("question_time_limit_s", 30),
        "attempts_allowed": answers.get("attempts_allowed", 1),
        "team": _team(answers),
        "announce": {
            "cron": answers.get("cron"),
            "final_results": answers.get("final_results", True),
        },
    }
    total = answers.get("total_time_limit_s")
    if total:
        rules["total_time_limit_s"] = total
    return {
        "name": answers.get("name", ""),
        "timezone": answers.get("timezone", "Asia/Shanghai"),
        "starts_at": answers.get("starts_at", ""),
        "ends_at": answers.get("ends_at", ""),
        "rules": rules,
    }


def _team(answers: Mapping[str, Any]) -> dict[str, Any]:
    mode = answers.get("team_mode") or TeamMode.AVG_REGISTERED.value
    team: dict[str, Any] = {"mode": mode, "level": answers.get("team_level") or LEAF_LEVEL}
    if mode == TeamMode.TOP_N_AVG.value:
        team["top_n"] = answers.get("team_top_n") or TOP_N_DEFAULT
    return team


async def bank_counts(session: AsyncSession, answers: Mapping[str, Any]) -> dict[str, int]:
    """Active questions per type (stored value) in the chosen sets and categories."""
    candidates = await load_candidates(
        session, sets=answers.get("sets") or [], categories=answers.get("categories") or []
    )
    counts: dict[str, int] = {}
    for candidate in candidates:
        counts[candidate.type.value] = counts.get(candidate.type.value, 0) + 1
    return counts


async def paper_issues(
    session: AsyncSession, answers: Mapping[str, Any], composition: list[dict[str, Any]]
) -> list[DefinitionIssue]:
    """Why the chosen questions cannot fill ``composition`` on every paper (the check 保存
    makes), or nothing. A source without questions yet passes: its bank is still to come."""
    try:
        rules = parse_definition(definition({**answers, "composition": composition})).rules
        await plan_rules(session, rules)
    except DefinitionRejected as refused:
        return [i for i in refused.issues if i.loc.startswith("rules.composition")]
    return []


def fitted(counts: Mapping[str, int]) -> list[dict[str, Any]]:
    """单选 ≤ 10, 多选 ≤ 5, 判断 ≤ 5, 填空 ≤ 5 of what the bank holds (none: empty)."""
    return [
        {"type": qtype.value, "count": min(most, counts.get(qtype.value, 0))}
        for qtype, most in FITTED.items()
        if counts.get(qtype.value, 0)
    ]
