"""Roster import (花名册): workers and their teams from an .xlsx or .csv file.

Columns 姓名, 工号, 部门, 班组, optional 车间 and Telegram (id or @username). Like a question
bank upload, every row is checked first and all problems are reported at once; a file with any
bad row imports nothing. Re-importing updates workers by 工号. CSV decoding and cell text reuse
the question bank's readers (``quizbank.formats``).
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contest.errors import RosterRejected, RowError
from contest.models import Team, Worker
from contest.names import visible_text
from contest.roster_lookup import by_employee_no, normalize_employee_no
from contest.standings import refresh_team_standings
from contest.teams import ensure_team_path, follow_worker_team, open_competition_ids
from quizbank.formats.archive import MAX_ROWS, check_archive, too_many_rows
from quizbank.formats.csv_ import decode
from quizbank.formats.headers import normalize_header
from quizbank.formats.rows import cell_text
from storage.types import Clock

FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "name", "full name", "real name"),
    "employee_no": (
        "工号",
        "员工号",
        "员工编号",
        "职工号",
        "employee no",
        "employee_no",
        "staff no",
    ),
    "department": ("部门", "department", "dept"),
    "workshop": ("车间", "workshop"),
    "team": ("班组", "班组名称", "team", "group", "crew"),
    "telegram": ("telegram", "tg", "电报"),
    "telegram_id": ("telegram id", "telegram_id", "tg id"),
    "username": ("telegram username", "telegram用户名", "username", "用户名"),
}
LABELS = {"name": "姓名", "employee_no": "工号", "department": "部门", "team": "班组"}
REQUIRED = ("name", "employee_no", "department", "team")
LEVELS = (("department", "部门"), ("workshop", "车间"), ("team", "班组"))
NAME_LIMIT = 50
EMPLOYEE_NO_LIMIT = 50
TEAM_LIMIT = 100
_LOOKUP = {normalize_header(alias): f for f, aliases in FIELDS.items() for alias in aliases}
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
MAX_TELEGRAM_ID = 2**53


@dataclass(frozen=True)
class RosterRow:
    sheet: str
    row: int
    values: dict[str, str]
    columns: dict[str, str]


@dataclass(frozen=True)
class RosterEntry:
    """A checked row, ready to store."""

    row: int
    name: str
    employee_no: str
    team_path: list[tuple[str, str]]
    telegram_id: int | None
    username: str | None


@dataclass(frozen=True)
class RosterReport:
    rows: int
    created: int
    updated: int
    unchanged: int
    teams_created: int


def _clean(text: str) -> str:
    return visible_text(text)


# --- reading -------------------------------------------------------------------------------


def read_roster(data: bytes, *, filename: str) -> tuple[list[RosterRow], list[RowError]]:
    """Raw rows keyed by field; file-level problems as errors with row 0."""
    label = Path(filename).name
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        problem = check_archive(data, sheets=True)
        if problem is not None and problem.code != "not_a_zip":
            return [], [RowError(label, 0, "", problem.code, problem.params)]
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many types for a file that is not a workbook
            return [], [RowError(label, 0, "", "cannot_open")]
        try:
            sheet = workbook.worksheets[0]
            rows = sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 1)
            grid = [[cell_text(v) for v in row] for row in rows]
        finally:
            workbook.close()
        if len(grid) > MAX_ROWS:  # the declared dimension was missing or wrong
            return [], [RowError(label, 0, "", "too_many_rows", too_many_rows(f"{MAX_ROWS}+"))]
        return _rows_from_grid(sheet.title, grid)
    if suffix == ".csv":
        text, offset = decode(data)
        if text is None:
            return [], [RowError(label, 0, "", "cannot_decode", {"offset": offset})]
        grid = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
        return _rows_from_grid(label, grid)
    return [], [RowError(label, 0, "", "unsupported_format", {"extension": suffix})]


def _rows_from_grid(sheet: str, grid: list[list[str]]) -> tuple[list[RosterRow], list[RowError]]:
    filled = [i for i, cells in enumerate(grid) if any(cells)]
    if not filled:
        return [], [RowError(sheet, 0, "", "empty_file")]
    # A title row (e.g. "2026年职工花名册") may sit above the header: take the first row
    # naming two required columns, else the first non-empty row.
    header_index = next((i for i in filled[:10] if _required_named(grid[i]) >= 2), filled[0])
    columns: dict[str, str] = {}
    positions: dict[str, int] = {}
    for i, header in enumerate(grid[header_index]):
        field = _LOOKUP.get(normalize_header(header))
        if field and field not in positions:
            positions[field] = i
            columns[field] = header
    missing = [f for f in REQUIRED if f not in positions]
    if missing:
        return [], [RowError(sheet, 0, LABELS[f], "missing_column") for f in missing]
    rows = []
    for offset, cells in enumerate(grid[header_index + 1 :], start=header_index + 2):
        values = {f: cells[i].strip() if i < len(cells) else "" for f, i in positions.items()}
        if any(values.values()):
            rows.append(RosterRow(sheet, offset, values, columns))
    if not rows:
        return [], [RowError(sheet, 0, "", "empty_file")]
    return rows, []


def _required_named(cells: list[str]) -> int:
    return len({_LOOKUP.get(normalize_header(c)) for c in cells} & set(REQUIRED))


# --- checking ------------------------------------------------------------------------------


def check_rows(rows: list[RosterRow]) -> tuple[list[RosterEntry], list[RowError]]:
    """Every row checked on its own and against the others (duplicates)."""
    entries: list[RosterEntry] = []
    errors: list[RowError] = []
    first_no: dict[str, int] = {}
    first_tg: dict[int, int] = {}
    for raw in rows:
        entry, row_errors = _check_row(raw, first_no, first_tg)
        errors.extend(row_errors)
        if entry is not None:
            entries.append(entry)
    return entries, errors


def _check_row(
    raw: RosterRow, first_no: dict[str, int], first_tg: dict[int, int]
) -> tuple[RosterEntry | None, list[RowError]]:
    row_errors: list[RowError] = []

    def fail(field: str, code: str, **params: Any) -> None:
        column = raw.columns.get(field, LABELS.get(field, field))
        row_errors.append(RowError(raw.sheet, raw.row, column, code, params))

    name = _clean(raw.values["name"])
    if not name:
        fail("name", "empty_name")
    elif len(name) > NAME_LIMIT:
        fail("name", "name_too_long", limit=NAME_LIMIT)
    number = normalize_employee_no(raw.values["employee_no"])
    if not number:
        fail("employee_no", "empty_employee_no")
    elif len(number) > EMPLOYEE_NO_LIMIT:
        fail("employee_no", "employee_no_too_long", limit=EMPLOYEE_NO_LIMIT)
    elif number in first_no:
        fail("employee_no", "duplicate_employee_no", value=number, first_row=first_no[number])
    else:
        first_no[number] = raw.row
    path: list[tuple[str, str]] = []
    for field, kind in LEVELS:
        value = _clean(raw.values.get(field, ""))
        if len(value) > TEAM_LIMIT:
            fail(field, "team_name_too_long", limit=TEAM_LIMIT)
        elif value:
            path.append((kind, value))
        elif field != "workshop":
            fail(field, "missing_team")
    telegram_id, username, id_field = _telegram(raw, fail)
    if telegram_id is not None:
        if telegram_id in first_tg:
            fail(id_field, "duplicate_telegram_id", first_row=first_tg[telegram_id])
        else:
            first_tg[telegram_id] = raw.row
    if row_errors:
        return None, row_errors
    return RosterEntry(raw.row, name, number, path, telegram_id, username), []


def _telegram(raw: RosterRow, fail: Any) -> tuple[int | None, str | None, str]:
    """Telegram id and username from the combined column or the separate ones."""
    telegram_id: int | None = None
    username: str | None = None
    id_field = "telegram_id"
    for field in ("telegram", "telegram_id", "username"):
        text = _clean(raw.values.get(field, ""))
        if not text:
            continue
        numeric = text.lstrip("-").isdigit()
        if field == "telegram_id" or (field == "telegram" and numeric):
            id_field = field
            if text.isdigit() and 0 < int(text) < MAX_TELEGRAM_ID:
                telegram_id = int(text)
            else:
                fail(field, "bad_telegram_id", value=text)
        elif _USERNAME.match(text.removeprefix("@")):
            username = text.removeprefix("@")
        else:
            fail(field, "bad_username", value=text)
    return telegram_id, username, id_field


# --- storing -------------------------------------------------------------------------------


async def import_roster(
    session: AsyncSession, *, data: bytes, filename: str, clock: Clock
) -> RosterReport:
    """Check the whole file, then create teams and workers (or update them by 工号).

    Raises ``RosterRejected`` with every problem and changes nothing when any row is bad.
    """
    # openpyxl on a big roster takes seconds: off the event loop, as the check was.
    rows, errors = await asyncio.to_thread(read_roster, data, filename=filename)
    entries, row_errors = check_rows(rows)
    errors += row_errors
    by_number = await _existing_workers(session, entries)
    errors += await _conflicts(session, entries, rows, by_number)
    if errors:
        raise RosterRejected(errors)
    teams_before = await _count_teams(session)
    created = updated = unchanged = 0
    moved: list[tuple[Worker, int | None]] = []
    for entry in entries:
        team = await ensure_team_path(session, path=entry.team_path)
        worker = by_number.get(entry.employee_no)
        if worker is None:
            session.add(
                Worker(
                    real_name=entry.name,
                    employee_no=entry.employee_no,
                    team_id=team.id,
                    telegram_id=entry.telegram_id,
                    username=entry.username,
                    on_roster=True,
                )
            )
            created += 1
            continue
        before = (worker.real_name, worker.team_id, worker.telegram_id, worker.username)
        if worker.team_id != team.id:
            moved.append((worker, worker.team_id))
        worker.real_name = entry.name
        worker.employee_no = entry.employee_no
        worker.team_id = team.id
        worker.telegram_id = entry.telegram_id or worker.telegram_id
        worker.username = entry.username or worker.username
        worker.on_roster, worker.pending = True, False  # on the roster: confirmed
        after = (worker.real_name, worker.team_id, worker.telegram_id, worker.username)
        updated, unchanged = (
            (updated + 1, unchanged) if after != before else (updated, unchanged + 1)
        )
    await session.flush()
    open_ids = await open_competition_ids(session)
    for worker, old_team in moved:
        await follow_worker_team(
            session, worker=worker, old_team=old_team, open_ids=open_ids, clock=clock
        )
    # New members change headcounts (avg_registered, 参与率) of open competitions.
    for competition_id in open_ids if created or moved else []:
        await refresh_team_standings(session, competition_id=competition_id, clock=clock)
    teams_created = await _count_teams(session) - teams_before
    await session.flush()
    return RosterReport(len(entries), created, updated, unchanged, teams_created)


async def _count_teams(session: AsyncSession) -> int:
    return len((await session.execute(select(col(Team.id)))).all())


async def _existing_workers(session: AsyncSession, entries: list[RosterEntry]) -> dict[str, Worker]:
    """Workers to update, by 工号; a bot-registered worker with the row's Telegram id and no
    工号 yet is the same person and is adopted."""
    numbers = [e.employee_no for e in entries]
    found = {
        w.employee_no: w
        for w in (await session.execute(select(Worker).where(col(Worker.employee_no).in_(numbers))))
        .scalars()
        .all()
        if w.employee_no
    }
    ids = {e.telegram_id: e for e in entries if e.telegram_id and e.employee_no not in found}
    if ids:
        stmt = select(Worker).where(
            col(Worker.telegram_id).in_(ids), col(Worker.employee_no).is_(None)
        )
        for worker in (await session.execute(stmt)).scalars():
            assert worker.telegram_id is not None
            found[ids[worker.telegram_id].employee_no] = worker
    return found


async def _conflicts(
    session: AsyncSession,
    entries: list[RosterEntry],
    rows: list[RosterRow],
    by_number: dict[str, Worker],
) -> list[RowError]:
    """Telegram ids that already belong to someone else in the database."""
    raw = {r.row: r for r in rows}
    wanted = {e.telegram_id: e for e in entries if e.telegram_id}
    if not wanted:
        return []
    stmt = select(Worker).where(col(Worker.telegram_id).in_(wanted))
    owners = {w.telegram_id: w for w in (await session.execute(stmt)).scalars()}
    errors: list[RowError] = []
    for telegram_id, entry in sorted(wanted.items(), key=lambda item: item[1].row):
        owner = owners.get(telegram_id)
        mine = by_number.get(entry.employee_no)
        row = raw[entry.row]
        column = row.columns.get("telegram_id") or row.columns.get("telegram", "Telegram")
        if owner is not None and owner is not mine:
            errors.append(
                RowError(
                    row.sheet,
                    row.row,
                    column,
                    "telegram_id_taken",
                    {"value": telegram_id, "owner": owner.employee_no or owner.real_name},
                )
            )
        elif mine is not None and mine.telegram_id not in (None, telegram_id):
            errors.append(
                RowError(
                    row.sheet,
                    row.row,
                    column,
                    "telegram_id_mismatch",
                    {"value": telegram_id, "current": mine.telegram_id},
                )
            )
    return errors


async def match_roster_worker(session: AsyncSession, *, employee_no: str) -> Worker | None:
    """The roster worker with this 工号 as typed (full-width, spaces and case tolerated)."""
    return await by_employee_no(session, typed=employee_no)
