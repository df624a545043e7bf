"""Competitions (竞赛): definitions from YAML and the lifecycle.

Lifecycle: draft → scheduled → open → closed → archived.

Times in a definition are local to the competition's timezone (default Asia/Shanghai) and are
stored as aware UTC. ``sync_statuses`` opens and closes competitions at their times; the
scheduler calls it, and so can anything else that wakes up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.definition_words import pydantic_params
from contest.errors import ContestError, DefinitionIssue, DefinitionRejected
from contest.models import Competition, CompetitionStatus
from contest.papers import plan_rules
from contest.rules import CompetitionRules, load_rules
from storage.types import Clock

Status = CompetitionStatus
_NEXT: dict[CompetitionStatus, set[CompetitionStatus]] = {
    Status.DRAFT: {Status.SCHEDULED, Status.OPEN},
    Status.SCHEDULED: {Status.DRAFT, Status.OPEN, Status.CLOSED},
    Status.OPEN: {Status.CLOSED},
    Status.CLOSED: {Status.ARCHIVED},
    Status.ARCHIVED: set(),
}


class CompetitionDefinition(BaseModel):
    """What a contest.yaml holds (see contest/examples/contest.yaml)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    timezone: str = "Asia/Shanghai"
    starts_at: datetime
    ends_at: datetime
    status: Literal["draft", "scheduled"] = "scheduled"
    rules: CompetitionRules

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    def utc(self, local: datetime) -> datetime:
        """A local (naive) time in this competition's zone as aware UTC."""
        if local.tzinfo is None:
            local = local.replace(tzinfo=ZoneInfo(self.timezone))
        return local.astimezone(UTC)


@dataclass(frozen=True)
class StatusChange:
    competition_id: int
    name: str
    old: CompetitionStatus
    new: CompetitionStatus


def parse_definition(data: Any) -> CompetitionDefinition:
    """Validate a definition; every problem at once in ``DefinitionRejected.issues``."""
    if not isinstance(data, dict):
        issue = DefinitionIssue("", "not_a_mapping", "expected key: value pairs")
        raise DefinitionRejected([issue])
    try:
        definition = CompetitionDefinition.model_validate(data)
    except ValidationError as exc:
        raise DefinitionRejected(
            [
                DefinitionIssue(
                    ".".join(str(p) for p in e["loc"]), e["type"], e["msg"], pydantic_params(e)
                )
                for e in exc.errors()
            ]
        ) from None
    if definition.utc(definition.ends_at) <= definition.utc(definition.starts_at):
        raise DefinitionRejected(
            [DefinitionIssue("ends_at", "ends_before_start", "ends_at must be after starts_at")]
        )
    return definition


def parse_yaml(text: str) -> CompetitionDefinition:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = str(getattr(exc, "problem", exc))
        place = {"line": mark.line + 1, "column": mark.column + 1} if mark else {}
        code = "yaml_syntax" if mark else "yaml_unreadable"
        raise DefinitionRejected([DefinitionIssue(where, code, problem, place)]) from None
    return parse_definition(data)


async def create_competition(
    session: AsyncSession,
    *,
    data: dict[str, Any],
    created_by: str | None,
    clock: Clock,
) -> Competition:
    """A competition from a definition mapping.

    The paper is checked against the bank first (:func:`contest.papers.plan_rules`): every
    worker's paper must be possible and worth the same, else ``DefinitionRejected``. A
    draft may wait for its bank: it is checked when it is scheduled or opened.
    """
    definition = parse_definition(data)
    rules = definition.rules
    if definition.status != CompetitionStatus.DRAFT:
        rules = await plan_rules(session, rules)
    now = clock()
    competition = Competition(
        name=definition.name.strip(),
        description=definition.description.strip(),
        status=CompetitionStatus(definition.status),
        timezone=definition.timezone,
        starts_at=definition.utc(definition.starts_at),
        ends_at=definition.utc(definition.ends_at),
        rules=rules.model_dump(mode="json"),
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(competition)
    await session.flush()
    return competition


async def create_competition_from_yaml(
    session: AsyncSession, *, text: str, created_by: str | None, clock: Clock
) -> Competition:
    parse_yaml(text)  # syntax and schema errors before anything else
    data = yaml.safe_load(text)
    return await create_competition(session, data=data, created_by=created_by, clock=clock)


async def get_competition(session: AsyncSession, *, competition_id: int) -> Competition | None:
    return await session.get(Competition, competition_id)


async def require_competition(session: AsyncSession, *, competition_id: int) -> Competition:
    competition = await session.get(Competition, competition_id)
    if competition is None:
        raise ContestError("competition_not_found", competition_id=competition_id)
    return competition


async def list_competitions(
    session: AsyncSession, *, statuses: set[CompetitionStatus] | None = None
) -> list[Competition]:
    stmt = select(Competition).order_by(col(Competition.starts_at), col(Competition.id))
    if statuses:
        stmt = stmt.where(col(Competition.status).in_([s.value for s in statuses]))
    return list((await session.execute(stmt)).scalars())


async def open_competitions(session: AsyncSession, *, clock: Clock) -> list[Competition]:
    """Competitions accepting answers now (status open and within their times)."""
    now = clock()
    stmt = (
        select(Competition)
        .where(
            col(Competition.status) == CompetitionStatus.OPEN,
            col(Competition.starts_at) <= now,
            col(Competition.ends_at) > now,
        )
        .order_by(col(Competition.ends_at), col(Competition.id))
    )
    return list((await session.execute(stmt)).scalars())


def accepts_answers(competition: Competition, *, now: datetime) -> bool:
    """Whether an answer given at ``now`` may count (a closed competition accepts none)."""
    return (
        competition.status == CompetitionStatus.OPEN
        and competition.starts_at <= now < competition.ends_at
    )


def _transition(competition: Competition, new: CompetitionStatus, now: datetime) -> None:
    old = CompetitionStatus(competition.status)
    if new not in _NEXT[old]:
        raise ContestError(
            "bad_transition", competition_id=competition.id, old=old.value, new=new.value
        )
    competition.status = new
    competition.updated_at = now


async def _planned_rules(session: AsyncSession, competition: Competition) -> dict[str, Any]:
    """The rules with the paper planned against the bank as it is now; raises
    ``DefinitionRejected`` (before anything was changed) when it cannot be filled."""
    return (await plan_rules(session, load_rules(competition.rules))).model_dump(mode="json")


async def schedule_competition(
    session: AsyncSession, *, competition_id: int, clock: Clock
) -> Competition:
    """draft → scheduled: it will open and close by itself at its times."""
    competition = await require_competition(session, competition_id=competition_id)
    planned = await _planned_rules(session, competition)
    _transition(competition, CompetitionStatus.SCHEDULED, clock())
    competition.rules = planned
    await session.flush()
    return competition


async def open_competition(
    session: AsyncSession, *, competition_id: int, clock: Clock
) -> Competition:
    """Open now (early if before ``starts_at``, which then becomes now); not after its end."""
    competition = await require_competition(session, competition_id=competition_id)
    now = clock()
    if now >= competition.ends_at:
        raise ContestError("already_ended", competition_id=competition_id)
    planned = await _planned_rules(session, competition)
    _transition(competition, CompetitionStatus.OPEN, now)
    competition.rules = planned
    competition.starts_at = min(competition.starts_at, now)
    await session.flush()
    return competition


async def close_competition(
    session: AsyncSession, *, competition_id: int, clock: Clock
) -> Competition:
    """Close now (early if before ``ends_at``, which then becomes now); no more answers count."""
    competition = await require_competition(session, competition_id=competition_id)
    now = clock()
    _transition(competition, CompetitionStatus.CLOSED, now)
    competition.ends_at = min(competition.ends_at, now)
    await session.flush()
    return competition


async def archive_competition(
    session: AsyncSession, *, competition_id: int, clock: Clock
) -> Competition:
    competition = await require_competition(session, competition_id=competition_id)
    _transition(competition, CompetitionStatus.ARCHIVED, clock())
    await session.flush()
    return competition


async def sync_statuses(session: AsyncSession, *, clock: Clock) -> list[StatusChange]:
    """Open scheduled competitions whose start has come and close those whose end has passed.

    A scheduled competition whose whole window was missed goes straight to closed. The
    caller commits (the scheduler's maintenance, one transaction per task).
    """
    now = clock()
    stmt = select(Competition).where(
        col(Competition.status).in_([CompetitionStatus.SCHEDULED, CompetitionStatus.OPEN])
    )
    changes: list[StatusChange] = []
    for competition in (await session.execute(stmt)).scalars():
        old = CompetitionStatus(competition.status)
        if competition.ends_at <= now:
            new = CompetitionStatus.CLOSED
        elif old is CompetitionStatus.SCHEDULED and competition.starts_at <= now:
            new = CompetitionStatus.OPEN
        else:
            continue
        competition.status = new
        competition.updated_at = now
        assert competition.id is not None
        changes.append(StatusChange(competition.id, competition.name, old, new))
    await session.flush()
    return sorted(changes, key=lambda c: c.competition_id)


async def update_competition(
    session: AsyncSession,
    *,
    competition_id: int,
    clock: Clock,
    name: str | None = None,
    description: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    rules: CompetitionRules | dict[str, Any] | None = None,
) -> Competition:
    """Change times (aware datetimes), texts or rules. Rules are fixed once it has opened
    (``rules_locked``); a closed or archived competition changes no more (``not_editable``)."""
    competition = await require_competition(session, competition_id=competition_id)
    status = CompetitionStatus(competition.status)
    if status in {CompetitionStatus.CLOSED, CompetitionStatus.ARCHIVED}:
        raise ContestError("not_editable", competition_id=competition_id, status=status.value)
    if rules is not None:
        if status is CompetitionStatus.OPEN:
            raise ContestError("rules_locked", competition_id=competition_id)
        if isinstance(rules, dict):
            try:
                rules = load_rules(rules)
            except ValidationError as exc:
                raise ContestError("invalid_rules", detail=str(exc)) from None
        competition.rules = (await plan_rules(session, rules)).model_dump(mode="json")
    for value in (starts_at, ends_at):
        if value is not None and value.tzinfo is None:
            raise ContestError("naive_time")
    new_start = starts_at.astimezone(UTC) if starts_at else competition.starts_at
    new_end = ends_at.astimezone(UTC) if ends_at else competition.ends_at
    if new_end <= new_start:
        raise ContestError("ends_before_start", competition_id=competition_id)
    if status is CompetitionStatus.OPEN and starts_at is not None:
        raise ContestError("start_locked", competition_id=competition_id)
    competition.starts_at, competition.ends_at = new_start, new_end
    if name is not None:
        competition.name = name.strip()
    if description is not None:
        competition.description = description.strip()
    competition.updated_at = clock()
    await session.flush()
    return competition


async def delete_competition(
    session: AsyncSession, *, competition_id: int, force: bool = False
) -> None:
    """Delete a competition and everything recorded for it; an open one only with ``force``."""
    competition = await require_competition(session, competition_id=competition_id)
    if competition.status == CompetitionStatus.OPEN and not force:
        raise ContestError("competition_open", competition_id=competition_id)
    await session.delete(competition)
    await session.flush()


async def set_announcement_schedule(
    session: AsyncSession,
    *,
    competition_id: int,
    clock: Clock,
    cron: str | None,
    final_results: bool | None = None,
) -> Competition:
    """Change when leaderboards are announced (crontab in the competition's local time, or
    None for no scheduled announcements) and, if given, whether the final results go out
    at the end. Unlike scoring rules this may change while open."""
    competition = await require_competition(session, competition_id=competition_id)
    if CompetitionStatus(competition.status) in {
        CompetitionStatus.CLOSED,
        CompetitionStatus.ARCHIVED,
    }:
        raise ContestError("not_editable", competition_id=competition_id, status=competition.status)
    rules = load_rules(competition.rules)
    change: dict[str, Any] = {"cron": cron}
    if final_results is not None:
        change["final_results"] = final_results
    try:
        announce = rules.announce.model_validate(rules.announce.model_dump() | change)
    except ValidationError:
        raise ContestError("bad_cron", cron=cron or "") from None
    competition.rules = rules.model_copy(update={"announce": announce}).model_dump(mode="json")
    competition.updated_at = clock()
    await session.flush()
    return competition
