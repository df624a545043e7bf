"""Question-bank operations on the database: import, export, statistics, listing.

Functions are keyword-only and take the ``AsyncSession``; parsing a file is blocking
(openpyxl), so async callers use ``validate_file``, which runs it in a thread.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from quizbank.formats import ImportRejected, RowError, write_questions
from quizbank.models import Question, QuestionSet
from quizbank.overlap import Overlap, Stored, find_overlaps, stem_key
from quizbank.validation import QuestionDraft, ValidationReport, parse_file
from storage.types import Clock, utcnow

WRITE_BATCH = 500  # rows per INSERT/UPDATE of an import
# What a draft stores as it is (type goes in as its value, key only when inserted; sheet,
# row and unit say where in the file it was read).
_NOT_STORED_AS_IS = {"type", "key", "sheet", "row", "unit"}
_DRAFT_FIELDS = tuple(f.name for f in fields(QuestionDraft) if f.name not in _NOT_STORED_AS_IS)


def demo_bank_path() -> Path:
    """The bundled demo bank (质量月知识题库), offered on the bot's first start."""
    return Path(__file__).with_name("demo") / "demo_bank.json"


async def validate_file(source: Path | bytes, *, filename: str | None = None) -> ValidationReport:
    """``parse_file`` off the event loop: a big workbook takes a second or two to read."""
    return await asyncio.to_thread(parse_file, source, filename=filename)


class SetNotFound(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no question set named {name!r}")
        self.name = name


@dataclass(frozen=True, slots=True)
class ImportResult:
    set_id: int
    set_name: str
    version: int
    created: int
    updated: int
    unchanged: int
    deactivated: int
    skipped_errors: list[RowError] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)  # found in other sets
    skipped_overlaps: int = 0  # of them, left out at the organiser's choice


@dataclass(frozen=True, slots=True)
class SetSummary:
    id: int
    name: str
    version: int
    uploaded_by: str | None
    uploaded_at: datetime
    question_count: int


@dataclass(frozen=True, slots=True)
class BankStats:
    """Counts of active questions."""

    total: int
    by_type: dict[str, int]
    by_category: dict[str, int]
    by_difficulty: dict[int, int]
    by_set: dict[str, int]


async def import_questions(
    session: AsyncSession,
    *,
    set_name: str,
    report: ValidationReport | None = None,
    drafts: list[QuestionDraft] | None = None,
    uploaded_by: str | None = None,
    checksum: str | None = None,
    source_filename: str | None = None,
    skip_invalid: bool = False,
    skip_overlaps: bool = False,
    clock: Clock = utcnow,
) -> ImportResult:
    """Store the drafts in the set ``set_name`` (created if new) and flush; the caller
    commits (an organiser action, once with its audit row).

    Atomic: with any error and not ``skip_invalid``, raises ``ImportRejected`` before
    writing. Questions are matched by their stable key, so re-importing an edited file
    updates in place and question ids (which attempts reference) stay the same;
    questions no longer in the file are retired (``active=False``), never deleted.
    The set's version goes up whenever anything changed.

    Questions other sets already hold (:mod:`quizbank.overlap`) are reported in the result;
    with ``skip_overlaps`` they are left out (a copy this set already had stays as it was).
    """
    errors = list(report.errors) if report else []
    drafts = list(report.drafts) if report else list(drafts or [])
    if (errors and not skip_invalid) or not drafts:
        raise ImportRejected(errors or [RowError(source_filename or "", 0, "", "no_questions")])
    overlaps = await overlaps_with_other_sets(session, drafts=drafts, set_name=set_name)
    skipped = {o.key for o in overlaps} if skip_overlaps else set()
    drafts = [d for d in drafts if d.key not in skipped]
    if not drafts:
        raise ImportRejected([RowError(source_filename or "", 0, "", "all_duplicates")])
    now = clock()
    qset, is_new = await _get_or_create_set(session, set_name, now)
    existing = await _existing_questions(session, qset.id)
    keep = (report.invalid_keys if report and skip_invalid else set()) | skipped
    twins = {o.key: o.twin_key for o in overlaps if o.twin_key}
    counts = await _write_questions(session, qset.id, drafts, existing, keep, now, twins)
    changed = counts["created"] + counts["updated"] + counts["deactivated"]
    if is_new or changed:
        qset.version = qset.version if is_new else qset.version + 1
        qset.uploaded_by = uploaded_by
        qset.uploaded_at = now
        qset.checksum = checksum if checksum is not None else (report.checksum if report else "")
        qset.source_filename = source_filename or (report.filename if report else None)
    result = ImportResult(
        set_id=qset.id,
        set_name=qset.name,
        version=qset.version,
        skipped_errors=errors,
        overlaps=overlaps,
        skipped_overlaps=len(skipped),
        **counts,
    )
    await session.flush()
    return result


async def overlaps_with_other_sets(
    session: AsyncSession, *, drafts: list[QuestionDraft], set_name: str
) -> list[Overlap]:
    """The drafts that active questions of other sets repeat (compared off the event loop)."""
    rows = await session.execute(
        select(
            col(QuestionSet.name),
            col(Question.type),
            col(Question.stem),
            col(Question.options),
            col(Question.answer),
            col(Question.twin_key),
        )
        .join(Question, col(Question.set_id) == QuestionSet.id)
        .where(col(Question.active).is_(True), col(QuestionSet.name) != set_name)
    )
    stored = [Stored(*row) for row in rows.tuples()]
    return await asyncio.to_thread(find_overlaps, drafts, stored)


async def _get_or_create_set(session: AsyncSession, name: str, now: datetime) -> tuple[Any, bool]:
    found = await session.scalar(select(QuestionSet).where(col(QuestionSet.name) == name))
    if found is not None:
        return found, False
    qset = QuestionSet(name=name, uploaded_at=now)
    session.add(qset)
    await session.flush()
    return qset, True


async def _existing_questions(session: AsyncSession, set_id: int) -> dict[str, Any]:
    rows = await session.execute(
        select(
            col(Question.id),
            col(Question.key),
            col(Question.content_hash),
            col(Question.position),
            col(Question.active),
        ).where(col(Question.set_id) == set_id)
    )
    return {row.key: row for row in rows}


async def _write_questions(
    session: AsyncSession,
    set_id: int,
    drafts: list[QuestionDraft],
    existing: dict[str, Any],
    keep: set[str],
    now: datetime,
    twins: dict[str, str],
) -> dict[str, int]:
    """Bulk insert the new, bulk update the changed, retire the missing. Each question's
    twin key is its stem's, or the other set's copy's (``twins``, by draft key)."""
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    counts = Counter(created=0, updated=0, unchanged=0, deactivated=0)
    for position, draft in enumerate(drafts):
        values = {name: getattr(draft, name) for name in _DRAFT_FIELDS}
        values |= {"type": str(draft.type), "position": position}
        values["twin_key"] = twins.get(draft.key) or stem_key(draft.stem)
        old = existing.get(draft.key)
        if old is None:
            stamps = {"created_at": now, "updated_at": now}
            inserts.append(values | stamps | {"set_id": set_id, "key": draft.key, "active": True})
            counts["created"] += 1
        elif old.content_hash != draft.content_hash or not old.active:
            updates.append(values | {"id": old.id, "active": True, "updated_at": now})
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
            if old.position != position:  # reordering alone is no new version
                updates.append({"id": old.id, "position": position})
    present = {draft.key for draft in drafts} | keep
    for key, old in existing.items():
        if old.active and key not in present:
            updates.append({"id": old.id, "active": False, "updated_at": now})
            counts["deactivated"] += 1
    # In batches: SQLAlchemy prepares each batch's parameters on the event loop, and one
    # batch of 50,000 rows held it for seconds (/healthz stalled); between batches it serves.
    for start in range(0, len(inserts), WRITE_BATCH):
        await session.execute(insert(Question), inserts[start : start + WRITE_BATCH])
        await asyncio.sleep(0)
    for start in range(0, len(updates), WRITE_BATCH):
        await session.execute(update(Question), updates[start : start + WRITE_BATCH])
        await asyncio.sleep(0)
    return dict(counts)


async def _active_questions(session: AsyncSession, set_name: str | None) -> dict[str, list[Any]]:
    query = (
        select(col(QuestionSet.name), Question)
        .join(Question, col(Question.set_id) == QuestionSet.id)
        .where(col(Question.active).is_(True))
        .order_by(col(QuestionSet.name), col(Question.position), col(Question.id))
    )
    if set_name is not None:
        if (
            await session.scalar(
                select(col(QuestionSet.id)).where(col(QuestionSet.name) == set_name)
            )
            is None
        ):
            raise SetNotFound(set_name)
        query = query.where(col(QuestionSet.name) == set_name)
    groups: dict[str, list[Any]] = {}
    for name, question in await session.execute(query):
        groups.setdefault(name, []).append(question)
    if set_name is not None:
        groups.setdefault(set_name, [])
    return groups


async def export_bank(session: AsyncSession, *, path: Path, set_name: str | None = None) -> int:
    """Write the active questions (one set, or all) in the import format; returns the count.

    The file type follows ``path``'s extension (.xlsx, .csv, .json); xlsx gets one sheet
    per set. Importing the file into a set gives back the same questions.
    """
    groups = await _active_questions(session, set_name)
    await asyncio.to_thread(write_questions, Path(path), groups)
    return sum(len(questions) for questions in groups.values())


async def bank_stats(session: AsyncSession, *, set_name: str | None = None) -> BankStats:
    """Counts of active questions by type, category, difficulty and set."""
    keys = (
        col(QuestionSet.name),
        col(Question.type),
        col(Question.category),
        col(Question.difficulty),
    )
    base = (
        select(*keys, func.count().label("n"))
        .join(Question, col(Question.set_id) == QuestionSet.id)
        .where(col(Question.active).is_(True))
        .group_by(*keys)
    )
    if set_name is not None:
        base = base.where(col(QuestionSet.name) == set_name)
    by_type: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    by_difficulty: Counter[int] = Counter()
    by_set: Counter[str] = Counter()
    for row in await session.execute(base):
        by_type[str(row.type)] += row.n
        by_category[row.category] += row.n
        by_difficulty[row.difficulty] += row.n
        by_set[row.name] += row.n
    return BankStats(
        total=sum(by_set.values()),
        by_type=dict(by_type),
        by_category=dict(by_category),
        by_difficulty=dict(sorted(by_difficulty.items())),
        by_set=dict(by_set),
    )


async def list_sets(session: AsyncSession) -> list[SetSummary]:
    """Every question set with its count of active questions, by name."""
    count = (
        select(func.count(col(Question.id)))
        .where(col(Question.set_id) == QuestionSet.id, col(Question.active).is_(True))
        .scalar_subquery()
    )
    rows = await session.execute(select(QuestionSet, count).order_by(QuestionSet.name))
    return [
        SetSummary(qs.id, qs.name, qs.version, qs.uploaded_by, qs.uploaded_at, n) for qs, n in rows
    ]
