"""Database backups that are safe while the bot runs, restores, and the daily rotation.

SQLite: Python's ``sqlite3`` online backup API copies the whole database in one step under
one read transaction. In WAL mode (our engine sets it) that read does not block the bot's
writers, and the copy is the database exactly as it was when the backup began: every
transaction committed before then, nothing after. The copy is written beside the target,
checked with ``PRAGMA integrity_check``, switched to a self-contained rollback journal and
renamed into place, so a half-written backup never carries the final name.

PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot by itself) and
``pg_restore --clean``; both need the PostgreSQL client programs on this machine.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from ops.health import sqlite_file

SQLITE_SUFFIX = ".db"
PG_SUFFIX = ".dump"


class BackupError(RuntimeError):
    """A backup or restore that could not be done; the message says what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    seconds: float


def backend(database_url: str) -> str:
    return make_url(database_url).get_backend_name()


def backup(database_url: str, target: Path) -> BackupResult:
    """Write a consistent copy of the database to ``target`` (blocking)."""
    started = time.monotonic()
    target = target.expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    if backend(database_url) == "sqlite":
        _backup_sqlite(_sqlite_path(database_url), target)
    elif backend(database_url) == "postgresql":
        _pg_dump(make_url(database_url), target)
    else:
        raise BackupError(f"cannot back up a {backend(database_url)} database")
    return BackupResult(target, target.stat().st_size, time.monotonic() - started)


def restore(database_url: str, source: Path) -> Path | None:
    """Replace the database's content with the backup ``source`` (blocking).

    For SQLite the current database is first saved beside it (the path is returned), and the
    backup is checked before anything is changed.
    """
    source = source.expanduser()
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if backend(database_url) == "sqlite":
        return _restore_sqlite(source, _sqlite_path(database_url))
    if backend(database_url) == "postgresql":
        _pg_restore(make_url(database_url), source)
        return None
    raise BackupError(f"cannot restore a {backend(database_url)} database")


def integrity(path: Path) -> str:
    """``ok``, or what SQLite's integrity check found wrong with the file at ``path``."""
    try:
        with closing(sqlite3.connect(path)) as connection:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return "; ".join(str(row[0]) for row in rows)


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_path(database_url: str) -> Path:
    path = sqlite_file(database_url)
    if path is None:
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return path


def _backup_sqlite(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with (
            closing(sqlite3.connect(source, timeout=30)) as src,
            closing(sqlite3.connect(partial)) as dst,
        ):
            src.backup(dst)  # pages=-1: one step, one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        verdict = integrity(partial)
        if verdict != "ok":
            raise BackupError(f"the copy failed SQLite's integrity check: {verdict}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _restore_sqlite(source: Path, database: Path) -> Path | None:
    verdict = integrity(source)
    if verdict != "ok":
        raise BackupError(f"{source} failed SQLite's integrity check ({verdict}); not restored")
    saved = None
    if database.is_file():
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        saved = database.with_name(f"{database.stem}.before-restore-{stamp}{SQLITE_SUFFIX}")
        _backup_sqlite(database, saved)
    database.parent.mkdir(parents=True, exist_ok=True)
    # The backup API again, in the other direction: it writes through SQLite's locks, so
    # the WAL and any open connection see the restored pages, unlike copying the file.
    with (
        closing(sqlite3.connect(source)) as src,
        closing(sqlite3.connect(database, timeout=30)) as dst,
    ):
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
    return saved


# --- PostgreSQL -----------------------------------------------------------------------------

PG_ADVICE = (
    "{tool} is not installed: install the PostgreSQL client programs of the server's major "
    "version (Debian/Ubuntu: apt-get install postgresql-client), or run {tool} where they "
    "are, with the connection from DATABASE_URL"
)


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(PG_ADVICE.format(tool=name))
    return path


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for libpq tools; the password stays out of argv."""
    args = ["--dbname", url.database or "postgres"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run_pg(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tool = Path(command[0]).name
        raise BackupError(f"{tool} failed ({done.returncode}): {done.stderr.strip()[:1000]}")


def _pg_dump(url: URL, target: Path) -> None:
    args, env = _pg_args(url)
    partial = target.with_name(f".{target.name}.partial")
    try:
        _run_pg(
            [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), *args],
            env,
        )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _pg_restore(url: URL, source: Path) -> None:
    args, env = _pg_args(url)
    _run_pg(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *args,
            str(source),
        ],
        env,
    )


# --- daily backups --------------------------------------------------------------------------

DAILY_PREFIX = "qualityquiz-"


def daily_backup(database_url: str, directory: Path, *, when: datetime, keep: int) -> BackupResult:
    """The backup for the run at ``when`` (aware UTC) into ``directory``, keeping ``keep``."""
    suffix = SQLITE_SUFFIX if backend(database_url) == "sqlite" else PG_SUFFIX
    name = f"{DAILY_PREFIX}{when.strftime('%Y%m%dT%H%MZ')}{suffix}"
    result = backup(database_url, directory.expanduser() / name)
    prune(directory.expanduser(), keep=keep)
    return result


def prune(directory: Path, *, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` daily backups (by name, which sorts by time)."""
    daily = sorted(
        path
        for path in directory.glob(f"{DAILY_PREFIX}*")
        if path.suffix in (SQLITE_SUFFIX, PG_SUFFIX) and path.is_file()
    )
    old = daily[:-keep] if keep > 0 else daily
    for path in old:
        path.unlink(missing_ok=True)
    return old
